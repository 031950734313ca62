// The guard's cost on the host's own routes: `PATCH /users/:id` status changes and a bulk status
// update of 1,000 users, on a host with the extension and one without, same machine, same run.
// Rounds alternate between the two hosts so machine noise hits both alike.
//   node bench/status.bench.mjs            (SQLite; BENCH_DB=postgres|mysql for another database)
// Targets: the guard adds at most 5% to a single update and at most 10% to the bulk one.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, root, startHost } from '../scripts/host.mjs';

const DB = process.env.BENCH_DB ?? 'sqlite';
const SINGLE_ROUNDS = Number(process.env.BENCH_SINGLE_ROUNDS ?? 20);
const SINGLE_PER_ROUND = 10;
const BULK_ROUNDS = Number(process.env.BENCH_BULK_ROUNDS ?? 6);
const USERS = 1000;

async function prepare(label, env) {
	const host = await startHost({ db: DB, env });
	const call = async (method, path, body, token) => {
		const started = performance.now();
		const res = await fetch(host.url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		const ms = performance.now() - started;
		if (res.status >= 300) throw new Error(`${label}: ${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
		return { ms, body: text ? JSON.parse(text) : null };
	};
	const token = (await call('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.data.access_token;
	const admin = (method, path, body) => call(method, path, body, token);
	const policy = (await admin('POST', '/policies', { name: 'Bench policy', app_access: false, admin_access: false })).body.data.id;
	const role = (await admin('POST', '/roles', { name: 'Bench', policies: [{ policy }] })).body.data.id;
	const ids = [];
	for (let i = 0; i < USERS; i += 250) {
		const batch = Array.from({ length: 250 }, (_, k) => ({ email: `bench.${i + k}@example.com`, role, status: 'active' }));
		const created = await admin('POST', '/users', batch);
		ids.push(...created.body.data.map((u) => u.id));
	}
	const single = ids[0];
	const bulk = ids.slice(1, USERS + 1);
	return { label, host, admin, single, bulk, singleMs: [], bulkMs: [] };
}

async function singleRound(side) {
	for (let i = 0; i < SINGLE_PER_ROUND; i++) {
		for (const status of ['suspended', 'active']) side.singleMs.push((await side.admin('PATCH', `/users/${side.single}`, { status })).ms);
	}
}

async function bulkRound(side) {
	for (const status of ['suspended', 'active']) side.bulkMs.push((await side.admin('PATCH', '/users', { keys: side.bulk, data: { status } })).ms);
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

mkdirSync(join(root, '.test-hosts'), { recursive: true });
const emptyExtensions = mkdtempSync(join(root, '.test-hosts', 'no-extensions-'));
console.log(`database: ${DB}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; HASH_MEMORY_COST=1024 HASH_TIME_COST=2 HASH_PARALLELISM=1 (scripts/host.mjs; no password is hashed in the timed requests)`);
// The host's pressure limiter answers 503 when the machine is busy; a bench wants every answer.
const common = { PRESSURE_LIMITER_ENABLED: 'false' };
const withExt = await prepare('with extension', { ...common, USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *' });
const without = await prepare('without extension', { ...common, EXTENSIONS_PATH: emptyExtensions });
try {
	// Warm-up (JIT, caches, prepared statements), not measured.
	for (const side of [withExt, without]) {
		await singleRound(side);
		await bulkRound(side);
		side.singleMs.length = 0;
		side.bulkMs.length = 0;
	}
	for (let r = 0; r < SINGLE_ROUNDS; r++) for (const side of r % 2 ? [without, withExt] : [withExt, without]) await singleRound(side);
	for (let r = 0; r < BULK_ROUNDS; r++) for (const side of r % 2 ? [without, withExt] : [withExt, without]) await bulkRound(side);

	const row = (what, a, b) => {
		const ratio = median(a) / median(b);
		console.log(
			`${what.padEnd(40)} with: median ${median(a).toFixed(1)} ms, mean ${mean(a).toFixed(1)} ms | without: median ${median(b).toFixed(1)} ms, mean ${mean(b).toFixed(1)} ms | ratio (medians) ${ratio.toFixed(3)} (+${((ratio - 1) * 100).toFixed(1)}%)`,
		);
		return ratio;
	};
	console.log(`PATCH /users/:id status (n=${withExt.singleMs.length} each), bulk PATCH /users of ${USERS} users (n=${withExt.bulkMs.length} each)`);
	const single = row('PATCH /users/:id { status }', withExt.singleMs, without.singleMs);
	const bulk = row(`PATCH /users { keys: ${USERS}, data: { status } }`, withExt.bulkMs, without.bulkMs);
	console.log(`targets: single <= +5% ${single <= 1.05 ? 'met' : 'NOT met'}; bulk <= +10% ${bulk <= 1.1 ? 'met' : 'NOT met'}`);
} finally {
	await withExt.host.stop();
	await without.host.stop();
}
