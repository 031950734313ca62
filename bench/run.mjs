// `npm run bench`: every figure of the performance contract (SPEC "Performance contract"), side by
// side in one run on this machine, printed as ONE table per database: flow, bare host, with the
// extension, ratio, target, met / not met.
//
// Two hosts per database, started once: a bare Directus (no extensions) and the same Directus with
// this extension (its native routes on). Each flow runs in rounds that alternate which host goes
// first (A/B/B/A...), so load noise from the machine hits both alike; figures are medians over
// the rounds. The two latency figures (the PATCHes) alternate hosts request by request within
// a round, and their medians are over every request. A third host, a second bare one, runs every
// flow but the outbox too, in turn with the others (BENCH_CONTROL=0: not): its "control" rows
// show how far two identical hosts differ in the same run. Password-bearing flows use the host's DEFAULT argon2 costs (HASH_* unset), stalls off
// (REGISTER_STALL_TIME=0, LOGIN_STALL_TIME=0; the host's password request keeps its fixed
// 500 ms), 4 concurrent clients.
//
//   node bench/run.mjs                     (SQLite and PostgreSQL; PostgreSQL skipped if it doesn't answer)
//   BENCH_DBS=sqlite BENCH_ROUNDS=5 node bench/run.mjs
//   BENCH_FLOWS=patch-single,patch-bulk,outbox node bench/run.mjs   (only these figures)
import { mkdirSync, mkdtempSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { authenticator } from 'otplib';
import { ADMIN_EMAIL, ADMIN_PASSWORD, databaseAnswers, root, startHost } from '../scripts/host.mjs';
import { client, hostKnex, median, startMailbox, throughput } from './lib.mjs';

const DBS = (process.env.BENCH_DBS ?? 'sqlite,postgres').split(',').map((d) => d.trim()).filter(Boolean);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const PER_ROUND = Number(process.env.BENCH_REQUESTS ?? 16);
const CLIENTS = 4;
const BULK_USERS = 1000;
const OUTBOX_MAILS = Number(process.env.BENCH_OUTBOX_MAILS ?? 1000);
/** A second bare host through every flow but the outbox: the noise between two identical hosts, in the same run. */
const CONTROL = process.env.BENCH_CONTROL !== '0';
/** Only these flows (keys, comma-separated; `outbox` for the outbox figure); all when unset. */
const ONLY = process.env.BENCH_FLOWS ? new Set(process.env.BENCH_FLOWS.split(',').map((f) => f.trim())) : null;
const wanted = (key) => !ONLY || ONLY.has(key) || (key === 'password-request' && ONLY.has('password-reset'));
const PASSWORD = 'Bench-password-1';
const NEW_PASSWORD = 'Bench-password-2';

const mailbox = await startMailbox();
mkdirSync(join(root, '.test-hosts'), { recursive: true });
const noExtensions = mkdtempSync(join(root, '.test-hosts', 'no-extensions-'));
const startedAt = Date.now();
const load = [loadavg()[0]];

const COMMON_ENV = {
	LOG_LEVEL: 'warn',
	EMAIL_SMTP_PORT: String(mailbox.port),
	// The host's default argon2 costs: the test defaults of scripts/host.mjs are removed.
	HASH_MEMORY_COST: null,
	HASH_TIME_COST: null,
	HASH_PARALLELISM: null,
	REGISTER_STALL_TIME: '0',
	LOGIN_STALL_TIME: '0',
	PRESSURE_LIMITER_ENABLED: 'false',
	RATE_LIMITER_ENABLED: 'false',
	RATE_LIMITER_REGISTRATION_ENABLED: 'false',
	USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *',
	// The outbox's production defaults (the test hosts poll every 250 ms).
	USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: null,
	USER_LIFECYCLE_OUTBOX_BACKOFF: null,
};

let seq = 0;
const unique = (tag) => `${tag}-${Date.now().toString(36)}-${++seq}`;

async function prepareSide(db, label, env) {
	const host = await startHost({ db, env: { ...COMMON_ENV, ...env } });
	const { ok, call } = client(host.url);
	const token = (await ok('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.data.access_token;
	const admin = (method, path, body) => ok(method, path, body, token);
	const policy = (await admin('POST', '/policies', { name: 'Bench policy', app_access: false, admin_access: false })).body.data.id;
	const role = (await admin('POST', '/roles', { name: 'Bench', policies: [{ policy }] })).body.data.id;
	await admin('PATCH', '/settings', { public_registration: true, public_registration_role: role, public_registration_verify_email: true });
	const tag = `${label[0]}${db.slice(0, 2)}`;
	// A user to log in as (its password hashed once by the host), and users with two-factor on
	// (the same password hash and a TOTP secret, written directly: set-up, not measured).
	const loginEmail = `${tag}-login@example.com`;
	await admin('POST', '/users', { email: loginEmail, password: PASSWORD, role, status: 'active' });
	const knex = hostKnex(db, host.env);
	const { password: hash } = await knex('directus_users').select('password').where({ email: loginEmail }).first();
	const otpUsers = [];
	const otpCount = ROUNDS * PER_ROUND;
	const otpEmails = Array.from({ length: otpCount }, (_, i) => `${tag}-otp-${i}@example.com`);
	await admin('POST', '/users', otpEmails.map((email) => ({ email, role, status: 'active' })));
	for (const email of otpEmails) {
		const secret = authenticator.generateSecret();
		await knex('directus_users').update({ password: hash, tfa_secret: secret }).where({ email });
		otpUsers.push({ email, secret });
	}
	// Users for the status figures.
	const ids = [];
	for (let i = 0; i < BULK_USERS + 1; i += 250) {
		const batch = Array.from({ length: Math.min(250, BULK_USERS + 1 - i) }, (_, k) => ({ email: `${tag}-bulk-${i + k}@example.com`, role, status: 'active' }));
		ids.push(...(await admin('POST', '/users', batch)).body.data.map((u) => u.id));
	}
	return { db, label, tag, host, ok, call, admin, role, knex, loginEmail, otpUsers, single: ids[0], bulk: ids.slice(1), results: {} };
}

const record = (side, flow, value) => (side.results[flow] ??= []).push(value);

// --- the flows: each takes a side, does its untimed set-up, and records one figure ---

async function register(side) {
	const jobs = Array.from({ length: PER_ROUND }, () => {
		const email = `${unique(`${side.tag}-reg`)}@example.com`;
		return () => side.ok('POST', '/users/register', { email, password: PASSWORD });
	});
	record(side, 'register', await throughput(jobs, CLIENTS));
}

async function inviteAccept(side) {
	const emails = Array.from({ length: PER_ROUND }, () => `${unique(`${side.tag}-inv`)}@example.com`);
	await side.admin('POST', '/users/invite', { email: emails, role: side.role });
	const tokens = await Promise.all(emails.map((email) => mailbox.tokenFor(email)));
	const jobs = tokens.map((token) => () => side.ok('POST', '/users/invite/accept', { token, password: PASSWORD }));
	record(side, 'invite-accept', await throughput(jobs, CLIENTS));
}

async function login(side) {
	const jobs = Array.from({ length: PER_ROUND }, () => () => side.ok('POST', '/auth/login', { email: side.loginEmail, password: PASSWORD }));
	record(side, 'login', await throughput(jobs, CLIENTS));
}

async function loginOtp(side) {
	// Each two-factor user logs in once: a code is accepted once per user (RFC 6238 §5.2).
	const users = side.otpUsers.splice(0, PER_ROUND);
	// The host (and the extension) accept only the current 30 s step: a login that straddles a step
	// boundary on a loaded machine is tried again with a fresh code (the retry counts as work).
	const step = () => Math.floor(Date.now() / 30_000);
	const jobs = users.map((user) => async () => {
		for (let tries = 1; ; tries++) {
			const generatedIn = step();
			const res = await side.call('POST', '/auth/login', { email: user.email, password: PASSWORD, otp: authenticator.generate(user.secret) });
			if (res.status < 300) return res;
			if (tries < 3 && res.status === 401 && step() !== generatedIn) continue;
			throw new Error(`POST /auth/login with an OTP -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
		}
	});
	record(side, 'login-otp', await throughput(jobs, CLIENTS));
}

async function passwordReset(side) {
	const emails = Array.from({ length: PER_ROUND }, () => `${unique(`${side.tag}-rst`)}@example.com`);
	await side.admin('POST', '/users', emails.map((email) => ({ email, role: side.role, status: 'active' })));
	const requests = emails.map((email) => () => side.ok('POST', '/auth/password/request', { email }));
	record(side, 'password-request', await throughput(requests, CLIENTS));
	const tokens = await Promise.all(emails.map((email) => mailbox.tokenFor(email)));
	const resets = tokens.map((token) => () => side.ok('POST', '/auth/password/reset', { token, password: NEW_PASSWORD }));
	record(side, 'password-reset', await throughput(resets, CLIENTS));
}

// The latency figures alternate between the hosts request by request (pair by pair for the
// single PATCH), each host taking each place in turn: a load spike on this 2-core machine lands
// on all alike.
const rotate = (sides, i) => sides.map((_, k) => sides[(k + i) % sides.length]);

async function singlePatch(sides) {
	for (let i = 0; i < 20; i++) {
		for (const side of rotate(sides, i)) {
			for (const status of ['suspended', 'active']) record(side, 'patch-single', (await side.admin('PATCH', `/users/${side.single}`, { status })).ms);
		}
	}
}

async function bulkPatch(sides) {
	for (let i = 0; i < 3; i++) {
		for (const side of rotate(sides, i)) {
			for (const status of ['suspended', 'active']) record(side, 'patch-bulk', (await side.admin('PATCH', '/users', { keys: side.bulk, data: { status } })).ms);
		}
	}
}

/** 1,000 invitations in one request; the figure: seconds from the answer until the last mail arrived. */
async function outbox(side) {
	const prefix = `${side.tag}-obx-`;
	const emails = Array.from({ length: OUTBOX_MAILS }, (_, i) => `${prefix}${i}@example.com`);
	const sentAt = performance.now();
	await side.admin('POST', '/users/invite', { email: emails, role: side.role });
	const answeredAt = performance.now();
	const delivered = await mailbox.waitFor(prefix, OUTBOX_MAILS, 300_000);
	const doneAt = performance.now();
	record(side, 'outbox', delivered ? (doneAt - answeredAt) / 1000 : Infinity);
	record(side, 'outbox-total', delivered ? (doneAt - sentAt) / 1000 : Infinity);
}

const FLOWS = [
	{ key: 'register', name: 'POST /users/register', kind: 'rate', run: register },
	{ key: 'invite-accept', name: 'POST /users/invite/accept', kind: 'rate', run: inviteAccept },
	{ key: 'login', name: 'POST /auth/login (no two-factor)', kind: 'rate', run: login },
	{ key: 'login-otp', name: 'POST /auth/login with an OTP', kind: 'rate', run: loginOtp },
	{ key: 'password-request', name: 'POST /auth/password/request', kind: 'rate', run: passwordReset, info: true },
	{ key: 'password-reset', name: 'POST /auth/password/reset', kind: 'rate', run: null },
	{ key: 'patch-single', name: 'PATCH /users/:id { status }', kind: 'latency', run: singlePatch, paired: true },
	{ key: 'patch-bulk', name: `PATCH /users, ${BULK_USERS} users { status }`, kind: 'latency', run: bulkPatch, paired: true },
];

const percent = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

function rowsFor(db, bare, withExt, control) {
	const rows = [];
	for (const flow of FLOWS.filter((f) => wanted(f.key))) {
		const b = median(bare.results[flow.key] ?? []);
		const w = median(withExt.results[flow.key] ?? []);
		if (flow.kind === 'rate') {
			const ratio = w / b;
			rows.push([db, flow.name, `${b.toFixed(2)}/s`, `${w.toFixed(2)}/s`, `${ratio.toFixed(3)}x`, flow.info ? '(info: host stalls 500 ms)' : '>= 0.95x', flow.info ? '-' : ratio >= 0.95 ? 'met' : 'NOT met']);
			if (control && !flow.info) {
				const c = median(control.results[flow.key] ?? []);
				rows.push([db, `  control: a second bare host`, `${b.toFixed(2)}/s`, `${c.toFixed(2)}/s`, `${(c / b).toFixed(3)}x`, '(noise)', '-']);
			}
		} else {
			const ratio = w / b;
			rows.push([db, flow.name, `${b.toFixed(1)} ms`, `${w.toFixed(1)} ms`, percent(ratio), '<= +5%', ratio <= 1.05 ? 'met' : 'NOT met']);
			if (control) {
				const c = median(control.results[flow.key] ?? []);
				rows.push([db, `  control: a second bare host`, `${b.toFixed(1)} ms`, `${c.toFixed(1)} ms`, percent(c / b), '(noise)', '-']);
			}
		}
	}
	if (!wanted('outbox')) return rows;
	const bo = median(bare.results['outbox'] ?? []);
	const wo = median(withExt.results['outbox'] ?? []);
	const bt = median(bare.results['outbox-total'] ?? []);
	const wt = median(withExt.results['outbox-total'] ?? []);
	rows.push([db, `${OUTBOX_MAILS} invitation mails, after the answer`, `${bo.toFixed(1)} s (no outbox)`, `${wo.toFixed(1)} s`, '-', '<= 5 s (with)', wo <= 5 ? 'met' : 'NOT met']);
	rows.push([db, `${OUTBOX_MAILS} invitation mails, request to last mail`, `${bt.toFixed(1)} s`, `${wt.toFixed(1)} s`, '-', '(info)', '-']);
	return rows;
}

const table = [];
for (const db of DBS) {
	if (db !== 'sqlite' && !(await databaseAnswers(db))) {
		table.push([db, '(database not answering on 127.0.0.1: skipped)', '', '', '', '', '']);
		continue;
	}
	console.error(`[bench] ${db}: starting hosts`);
	const bare = await prepareSide(db, 'bare', { EXTENSIONS_PATH: noExtensions });
	// The reset route's per-IP limit would refuse a bench that sends every request from one address.
	const withExt = await prepareSide(db, 'with', { USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0' });
	const control = CONTROL ? await prepareSide(db, 'control', { EXTENSIONS_PATH: noExtensions }) : null;
	const all = [bare, withExt, ...(control ? [control] : [])];
	try {
		// Warm-up (JIT, caches, prepared statements), not measured.
		await singlePatch(all);
		await bulkPatch(all);
		for (const side of all) side.results = {};
		for (let round = 0; round < ROUNDS; round++) {
			const order = rotate(all, round);
			for (const flow of FLOWS) {
				if (!flow.run || !wanted(flow.key)) continue;
				if (flow.paired) {
					console.error(`[bench] ${db} round ${round + 1}/${ROUNDS}: ${flow.key} (all hosts, alternating)`);
					await flow.run(order);
					continue;
				}
				for (const side of order) {
					console.error(`[bench] ${db} round ${round + 1}/${ROUNDS}: ${flow.key} (${side.label})`);
					await flow.run(side);
				}
			}
			load.push(loadavg()[0]);
		}
		for (const side of wanted('outbox') ? [withExt, bare] : []) {
			console.error(`[bench] ${db}: outbox (${side.label})`);
			await outbox(side);
		}
		table.push(...rowsFor(db, bare, withExt, control));
	} finally {
		for (const side of all) {
			await side.knex.destroy().catch(() => undefined);
			await side.host.stop();
		}
	}
}

const header = ['db', 'flow', 'bare host', 'with the extension', 'ratio', 'target', ''];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => String(r[i]).length)));
const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
console.log('');
console.log(`Performance contract, one run on this machine (${new Date().toISOString()}, ${((Date.now() - startedAt) / 60000).toFixed(1)} min).`);
console.log(`Host's default argon2 costs (HASH_* unset), stalls off (REGISTER_STALL_TIME=0, LOGIN_STALL_TIME=0), ${CLIENTS} concurrent clients,`);
console.log(`${ROUNDS} rounds of ${PER_ROUND} requests per flow and host, alternating which host goes first; medians over rounds.`);
console.log(`Load average during the run (1 min): ${load.map((l) => l.toFixed(1)).join(', ')}; SMTP server errors absorbed: ${mailbox.errors()}.`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of table) console.log(line(row));
await mailbox.close();
process.exit(0);
