// 1,000 invitations in one request: our POST /user-lifecycle/invite against the host's own
// POST /users/invite, on the same running Directus (USER_LIFECYCLE_NATIVE_ROUTES=false, so the
// host's route is the host's). Both write 1,000 `invited` users; ours also queues 1,000 mails in
// the outbox in the same transaction, the host hands each mail to SMTP without waiting.
// Usage: node bench/invite.bench.mjs [--db sqlite|postgres|mysql] [--n 1000]
import { SMTPServer } from 'smtp-server';
import { ADMIN_EMAIL, ADMIN_PASSWORD, databaseAnswers, startHost } from '../scripts/host.mjs';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)));
const N = Number(args.n ?? 1000);
const dbs = args.db ? [args.db] : ['sqlite', 'postgres'];

const received = new Map();
const smtp = new SMTPServer({
	authOptional: true,
	disabledCommands: ['STARTTLS'],
	logger: false,
	onData(stream, session, callback) {
		stream.on('data', () => {});
		stream.on('end', () => {
			for (const rcpt of session.envelope.rcptTo) {
				const prefix = rcpt.address.split('-')[0];
				received.set(prefix, (received.get(prefix) ?? 0) + 1);
			}
			callback();
		});
	},
});
await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = smtp.server.address().port;

async function call(url, method, path, token, body) {
	const res = await fetch(url + path, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
	return text ? JSON.parse(text) : null;
}

async function waitUntil(check, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, 100));
	}
	return true;
}

for (const db of dbs) {
	if (db !== 'sqlite' && !(await databaseAnswers(db))) {
		console.log(`${db}: not answering on 127.0.0.1, skipped`);
		continue;
	}
	// The guard lets only our flows create `invited` users; the override opens that cell so the
	// host's own invite route can run on the same instance for the comparison.
	const host = await startHost({
		db,
		env: { EMAIL_SMTP_PORT: String(smtpPort), USER_LIFECYCLE_NATIVE_ROUTES: 'false', USER_LIFECYCLE_TRANSITIONS: '{"create":{"invited":"yes"}}', LOG_LEVEL: 'warn' },
	});
	try {
		const token = (await call(host.url, 'POST', '/auth/login', null, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).data.access_token;
		const policy = (await call(host.url, 'POST', '/policies', token, { name: 'Invitees policy', app_access: false, admin_access: false })).data.id;
		const role = (await call(host.url, 'POST', '/roles', token, { name: 'Invitees', policies: [{ policy }] })).data.id;
		const emails = (prefix) => Array.from({ length: N }, (_, i) => `${prefix}-${i}@example.com`);
		// Mails are counted per address prefix (the part before the first '-').

		// Warm both paths up (schema cache, JIT) with a handful of invites each.
		await call(host.url, 'POST', '/user-lifecycle/invite', token, { email: emails('warmours').slice(0, 10), role });
		await call(host.url, 'POST', '/users/invite', token, { email: emails('warmhost').slice(0, 10), role });

		received.clear();
		let t = performance.now();
		const outcomes = (await call(host.url, 'POST', '/user-lifecycle/invite', token, { email: emails('ours'), role })).data;
		const oursMs = performance.now() - t;
		if (outcomes.filter((o) => o.outcome === 'invited').length !== N) throw new Error('not every email was invited');
		t = performance.now();
		const delivered = await waitUntil(() => (received.get('ours') ?? 0) >= N, 300_000);
		const oursDeliveryMs = performance.now() - t;

		t = performance.now();
		await call(host.url, 'POST', '/users/invite', token, { email: emails('host'), role });
		const hostMs = performance.now() - t;

		console.log(`${db}: ${N} invites in one request`);
		console.log(`  user-lifecycle POST /user-lifecycle/invite: ${oursMs.toFixed(0)} ms (users, tokens and ${N} mails queued in one transaction)`);
		console.log(`  host           POST /users/invite:          ${hostMs.toFixed(0)} ms (mails handed to SMTP fire-and-forget)`);
		console.log(`  ratio host/ours: ${(hostMs / oursMs).toFixed(1)}x (target >= 5x; ours under 2,000 ms: ${oursMs < 2000 ? 'yes' : 'NO'})`);
		console.log(`  outbox delivered our ${N} mails ${delivered ? `in ${(oursDeliveryMs / 1000).toFixed(1)} s after the answer` : 'NOT within 300 s'}`);
	} finally {
		await host.stop();
	}
}
console.log('(argon2 costs: irrelevant here, no passwords are hashed; host env from scripts/host.mjs)');
smtp.close();
