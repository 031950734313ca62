// The two-factor enforcement guard's cost per request: `GET /users?limit=1` by a signed-in user
// whose request the guard checks (one query: the user by key, its policies' access rows), on a
// host with enforcement on and one with it off, same machine, same run, rounds alternating.
//   node bench/tfa-enforcement.bench.mjs     (SQLite; BENCH_DB=postgres|mysql for another database)
import { ADMIN_EMAIL, ADMIN_PASSWORD, startHost } from '../scripts/host.mjs';
import { client } from './lib.mjs';

const DB = process.env.BENCH_DB ?? 'sqlite';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const PER_ROUND = 25;
const PASSWORD = 'ocelot-marigold-1';

const started = [];

async function prepare(label, env) {
	const host = await startHost({ db: DB, env: { PRESSURE_LIMITER_ENABLED: 'false', USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *', ...env } });
	started.push(host);
	const { ok: call } = client(host.url);
	const admin = (await call('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.data.access_token;
	const as = (method, path, body) => call(method, path, body, admin);
	// A policy that enforces two-factor on another role, so the access table is not empty.
	const enforcing = (await as('POST', '/policies', { name: 'Enforced', app_access: false, admin_access: false, enforce_tfa: true })).body.data.id;
	await as('POST', '/roles', { name: 'Enforced', policies: [{ policy: enforcing }] });
	const policy = (await as('POST', '/policies', { name: 'Readers', app_access: false, admin_access: false })).body.data.id;
	await as('POST', '/permissions', { policy, collection: 'directus_users', action: 'read', fields: ['*'] });
	const role = (await as('POST', '/roles', { name: 'Readers', policies: [{ policy }] })).body.data.id;
	await as('POST', '/users', { email: 'bench.reader@example.com', password: PASSWORD, role, status: 'active' });
	const token = (await call('POST', '/auth/login', { email: 'bench.reader@example.com', password: PASSWORD })).body.data.access_token;
	return { label, host, read: () => call('GET', '/users?limit=1&fields=id', undefined, token), ms: [] };
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

console.log(`database: ${DB}; load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
try {
	const on = await prepare('enforcement on', { USER_LIFECYCLE_ENFORCE_TFA: 'true' });
	const off = await prepare('enforcement off', { USER_LIFECYCLE_ENFORCE_TFA: 'false' });
	const round = async (side) => {
		for (let i = 0; i < PER_ROUND; i++) side.ms.push((await side.read()).ms);
	};
	for (const side of [on, off]) {
		await round(side);
		side.ms.length = 0;
	}
	for (let r = 0; r < ROUNDS; r++) for (const side of r % 2 ? [off, on] : [on, off]) await round(side);
	const ratio = median(on.ms) / median(off.ms);
	console.log(`GET /users?limit=1 (n=${on.ms.length} each): on median ${median(on.ms).toFixed(2)} ms | off median ${median(off.ms).toFixed(2)} ms | ratio ${ratio.toFixed(3)} (+${(median(on.ms) - median(off.ms)).toFixed(2)} ms)`);
} finally {
	for (const host of started) await host.stop();
}
