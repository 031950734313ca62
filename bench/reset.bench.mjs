// Password reset throughput at the host's real argon2 cost: `POST /auth/password/reset` on a host
// with the extension (our flow: token store, session end, audit) and one without (the host's own),
// same machine, same run, rounds alternating between the two. Tokens are read out of real mail.
//   node bench/reset.bench.mjs            (SQLite; BENCH_DB=postgres|mysql for another database)
// Target: ours at least 0.95x the bare host's throughput (no extra hash or verify on the path).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { root, startHost } from '../scripts/host.mjs';
import { adminClient, apiOnlyRole } from './lib.mjs';

const DB = process.env.BENCH_DB ?? 'sqlite';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 4);
const USERS = ROUNDS * PER_ROUND + PER_ROUND; // + one warm-up round

/** A real SMTP server keeping the `token` of every mail, by recipient. */
async function mailbox() {
	const tokens = new Map();
	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onData: (stream, _session, callback) => {
			simpleParser(stream)
				.then((mail) => {
					const html = typeof mail.html === 'string' ? mail.html : '';
					const link = [...html.matchAll(/href="([^"]*token=[^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'))[0];
					const to = mail.to?.value?.[0]?.address?.toLowerCase();
					if (link && to) tokens.set(to, new URL(link).searchParams.get('token'));
					callback();
				})
				.catch(callback);
		},
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { port: server.server.address().port, tokens, stop: () => new Promise((resolve) => server.close(resolve)) };
}

async function prepare(label, env) {
	const mail = await mailbox();
	// null: the host's own argon2 defaults, not the suite's cheap ones.
	const host = await startHost({ db: DB, env: { ...env, EMAIL_SMTP_PORT: String(mail.port), HASH_MEMORY_COST: null, HASH_TIME_COST: null, HASH_PARALLELISM: null } });
	const { ok: call, admin } = await adminClient(host.url);
	const role = await apiOnlyRole(admin);
	const emails = Array.from({ length: USERS }, (_, i) => `reset.bench.${i}@example.com`);
	await admin('POST', '/users', emails.map((email) => ({ email, role, status: 'active' })));
	// The requests stall alike on both sides (500 ms); asked for all at once, not timed.
	await Promise.all(emails.map((email) => call('POST', '/auth/password/request', { email })));
	const deadline = Date.now() + 120_000;
	while (mail.tokens.size < USERS) {
		if (Date.now() > deadline) throw new Error(`${label}: got ${mail.tokens.size} of ${USERS} reset mails`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	const queue = emails.map((email) => mail.tokens.get(email));
	return { label, host, mail, call, queue, ms: [] };
}

async function round(side, measure) {
	for (let i = 0; i < PER_ROUND; i++) {
		const { ms } = await side.call('POST', '/auth/password/reset', { token: side.queue.shift(), password: `a-new-password-${i}-${Date.now()}` });
		if (measure) side.ms.push(ms);
	}
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

mkdirSync(join(root, '.test-hosts'), { recursive: true });
const emptyExtensions = mkdtempSync(join(root, '.test-hosts', 'no-extensions-'));
console.log(`database: ${DB}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}; the host's default argon2 costs`);
const common = { PRESSURE_LIMITER_ENABLED: 'false' };
const withExt = await prepare('with extension', { ...common, USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *', USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0' });
const without = await prepare('without extension', { ...common, EXTENSIONS_PATH: emptyExtensions });
try {
	for (const side of [withExt, without]) await round(side, false); // warm-up
	for (let r = 0; r < ROUNDS; r++) for (const side of r % 2 ? [without, withExt] : [withExt, without]) await round(side, true);
	const throughput = (side) => (side.ms.length / sum(side.ms)) * 1000;
	for (const side of [withExt, without]) {
		console.log(`${side.label.padEnd(18)} POST /auth/password/reset n=${side.ms.length}: median ${median(side.ms).toFixed(1)} ms, ${throughput(side).toFixed(2)} resets/s`);
	}
	const ratio = throughput(withExt) / throughput(without);
	console.log(`throughput ours/host: ${ratio.toFixed(3)}x (target >= 0.95x: ${ratio >= 0.95 ? 'met' : 'NOT met'})`);
} finally {
	await withExt.host.stop();
	await without.host.stop();
	await withExt.mail.stop();
	await without.mail.stop();
}
