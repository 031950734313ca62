// A real cluster: Directus instances on one PostgreSQL database and one Redis, configured as the
// host documents for horizontal scaling (cache, rate limiter, synchronization and the message
// bus in Redis), requests spread over them. Each property is checked across two instances, then
// again after a third joins mid-run (the first two are not restarted).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { flushRedisDb, freeRedisDb, REDIS_HOST, REDIS_PORT, redisAnswers, redisKeys } from '../../harness/redis.js';
import { lapseCodeLock, lapseLoginLock } from '../../harness/locks.js';
import { codes, enableTfa, wrongCode } from '../two-factor/helpers.js';
import { SoftAuthenticator } from '../../harness/authenticator.mjs';

const hasPostgres = (await availableDatabases()).includes('postgres');
const hasRedis = await redisAnswers();
const runnable = hasPostgres && hasRedis;
if (!runnable) {
	const missing = [hasPostgres ? null : 'PostgreSQL (127.0.0.1:5432)', hasRedis ? null : `Redis (${REDIS_HOST}:${REDIS_PORT})`].filter(Boolean).join(' and ');
	console.warn(`[user-lifecycle tests] NOTICE: ${missing} does not answer (or USER_LIFECYCLE_TEST_DBS leaves PostgreSQL out): the cluster tests are skipped`);
	it.skip(`a real cluster: PostgreSQL + Redis (needs ${missing})`, () => {});
}

const OTP_MAX_ATTEMPTS = 5;
// Both locks an hour, ended by lapse… where a test needs one over (test/harness/locks.ts).
const OTP_LOCK_MS = 60 * 60 * 1000;
// Above the 20-request code bursts: the login gate admits only this many password checks at once,
// which would turn part of a burst away before any code is looked at (tested in login-lock/).
const LOGIN_MAX_ATTEMPTS = 25;
const LOGIN_LOCK_MS = 60 * 60 * 1000;
/** Every instance has a PUBLIC_URL of its own (its port): passkeys are for the one site they all serve. */
const SITE = 'https://app.example.com';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Node {
	name: string;
	url: string;
}

interface Answer {
	status: number;
	body: any;
	text: string;
}

async function call(node: Node, method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
	const headers: Record<string, string> = {};
	if (body !== undefined) headers['content-type'] = 'application/json';
	if (token) headers['authorization'] = `Bearer ${token}`;
	const res = await fetch(node.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual' });
	const text = await res.text();
	let parsed: any = null;
	try {
		parsed = text ? JSON.parse(text) : null;
	} catch {
		parsed = text;
	}
	return { status: res.status, body: parsed, text };
}

describe.runIf(runnable)('a cluster on postgres + redis', () => {
	let host: TestHost;
	let redisDb: number;
	let role: string;
	const nodes: Node[] = [];
	/** Every instance's env, as the host documents for several instances (plus test timings). */
	let clusterEnv: Record<string, string>;

	const admin = (node: Node, method: string, path: string, body?: unknown) => call(node, method, path, body, host.adminToken);
	const login = (node: Node, email: string, password: string, extra: Record<string, unknown> = {}) => call(node, 'POST', '/auth/login', { email, password, ...extra });

	beforeAll(async () => {
		const db = await freeRedisDb();
		if (db === null) throw new Error('no empty Redis database (1..15) for this run');
		redisDb = db;
		clusterEnv = {
			REDIS: `redis://${REDIS_HOST}:${REDIS_PORT}/${redisDb}`,
			CACHE_ENABLED: 'true',
			CACHE_STORE: 'redis',
			CACHE_AUTO_PURGE: 'true',
			// Shared limits; the points are far above what the tests send (they only prove the store).
			RATE_LIMITER_ENABLED: 'true',
			RATE_LIMITER_STORE: 'redis',
			RATE_LIMITER_POINTS: '100000',
			RATE_LIMITER_DURATION: '1',
			SYNCHRONIZATION_STORE: 'redis',
			// (The host's message bus goes through Redis whenever REDIS is set: no MESSENGER_STORE in Directus 12.)
			PRESSURE_LIMITER_ENABLED: 'false',
			USER_LIFECYCLE_SCHEDULE: '*/1 * * * * *',
			USER_LIFECYCLE_OTP_MAX_ATTEMPTS: String(OTP_MAX_ATTEMPTS),
			USER_LIFECYCLE_OTP_LOCK_DURATION: `${OTP_LOCK_MS}ms`,
			USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: String(LOGIN_MAX_ATTEMPTS),
			USER_LIFECYCLE_LOGIN_LOCK_DURATION: `${LOGIN_LOCK_MS}ms`,
			USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '200ms',
			// The path-variant test sends more than 10 reset requests from this one IP within a minute.
			USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
			LOGIN_STALL_TIME: '20',
			REGISTER_STALL_TIME: '50',
			USER_LIFECYCLE_WEBAUTHN_RP_ID: new URL(SITE).hostname,
			USER_LIFECYCLE_WEBAUTHN_ORIGINS: SITE,
			USER_LIFECYCLE_PASSKEY_IP_MAX_PER_MINUTE: '0',
		};
		// Each instance says its name in its SMTP greeting: the mailbox sees who sent each mail.
		host = await startTestHost({ db: 'postgres', env: { ...clusterEnv, EMAIL_SMTP_NAME: 'instance-a' }, exclusive: true });
		nodes.push({ name: 'A', url: host.url });
		const b = await host.startSibling({ ...clusterEnv, EMAIL_SMTP_NAME: 'instance-b' });
		nodes.push({ name: 'B', url: b.url });
		role = await host.createApiRole('Cluster members');
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: role });
	});

	afterAll(async () => {
		await host?.stop();
		if (redisDb !== undefined) await flushRedisDb(redisDb).catch(() => {});
	});

	/** The properties, across `members()` (two instances, then three). */
	function properties(label: string, members: () => Node[]) {
		it(`${label}: a verify-email token spent on one instance is refused on the others`, async () => {
			const all = members();
			const email = `cluster-${label}-verify@example.com`;
			expect((await call(all[0]!, 'POST', '/user-lifecycle/register', { email, password: PASSWORD })).status).toBe(204);
			const token = await host.mailbox.tokenFor(email);
			const first = await call(all[0]!, 'POST', '/user-lifecycle/register/verify-email', { token });
			expect(first.status, `${all[0]!.name}: ${first.text}`).toBe(204);
			for (const node of all.slice(1)) {
				for (const again of [
					await call(node, 'POST', '/user-lifecycle/register/verify-email', { token }),
					await call(node, 'GET', `/user-lifecycle/register/verify-email?token=${encodeURIComponent(token)}`),
				]) {
					expect(again.status, `${node.name}: ${again.text}`).toBe(403);
					expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
				}
			}
			expect((await host.userByEmail(email)).status).toBe('active');
		});

		it(`${label}: a passkey's challenges are single use across the instances: 10 concurrent verifies of one assertion, spread over them, sign in once`, async () => {
			const all = members();
			const email = `cluster-${label}-passkey@example.com`;
			const { token } = await host.createApiUser(role, email);
			const key = new SoftAuthenticator({ origin: SITE });
			// Options on one instance, the answer on another.
			const options = await call(all[0]!, 'POST', '/user-lifecycle/passkeys/registration/options', { password: PASSWORD }, token);
			expect(options.status, options.text).toBe(200);
			const { response } = key.register(options.body.data);
			const registered = await call(all[1]!, 'POST', '/user-lifecycle/passkeys/registration/verify', { response }, token);
			expect(registered.status, registered.text).toBe(200);
			expect((await call(all[0]!, 'POST', '/user-lifecycle/passkeys/registration/verify', { response }, token)).status).toBe(400);

			const signIn = await call(all[all.length - 1]!, 'POST', '/user-lifecycle/passkeys/sign-in/options', { email });
			expect(signIn.status, signIn.text).toBe(200);
			const assertion = key.signIn(signIn.body.data);
			const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => call(all[i % all.length]!, 'POST', '/user-lifecycle/passkeys/sign-in/verify', { response: assertion })));
			const won = answers.filter((a) => a.status === 200);
			expect(won, answers.map((a) => `${a.status} ${a.text.slice(0, 80)}`).join('\n')).toHaveLength(1);
			for (const lost of answers.filter((a) => a.status !== 200)) {
				expect(lost.status).toBe(401);
				expect(lost.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
			}
			// The session it opened works on every instance.
			for (const node of all) expect((await call(node, 'GET', '/users/me', undefined, won[0]!.body.data.access_token)).status, node.name).toBe(200);
		});

		it(`${label}: 10 concurrent accepts of one invitation, spread over the instances: exactly one wins`, async () => {
			const all = members();
			const email = `cluster-${label}-accept@example.com`;
			const invited = await admin(all[0]!, 'POST', '/user-lifecycle/invite', { email, role });
			expect(invited.status, invited.text).toBe(200);
			const token = await host.mailbox.tokenFor(email);
			const passwords = Array.from({ length: 10 }, (_, i) => `maple-harbor-passphrase-${i}`);
			const answers = await Promise.all(passwords.map((password, i) => call(all[i % all.length]!, 'POST', '/user-lifecycle/invite/accept', { token, password })));
			const statuses = answers.map((a) => a.status);
			expect(statuses.filter((s) => s === 204), statuses.join(',')).toHaveLength(1);
			for (const a of answers.filter((x) => x.status !== 204)) {
				expect(a.status, a.text).toBe(403);
				expect(a.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
			}
			expect((await host.userByEmail(email)).status).toBe('active');
			// The winner's password is the one set; on any instance.
			const winner = passwords[statuses.indexOf(204)]!;
			const loser = passwords[(statuses.indexOf(204) + 1) % passwords.length]!;
			expect((await login(all[all.length - 1]!, email, winner)).status).toBe(200);
			expect((await login(all[0]!, email, loser)).status).toBe(401);
		});

		it(`${label}: a TOTP code accepted by one instance's /auth/login is refused by the others`, async () => {
			const all = members();
			const email = `cluster-${label}-totp@example.com`;
			const { token } = await host.createApiUser(role, email);
			const { secret } = await enableTfa(host, token);
			const { current } = await codes(secret);
			const first = await login(all[0]!, email, PASSWORD, { otp: current });
			expect(first.status, first.text).toBe(200);
			for (const node of all.slice(1)) {
				const replay = await login(node, email, PASSWORD, { otp: current });
				expect(replay.status, `${node.name}: ${replay.text}`).toBe(401);
				expect(replay.body.errors[0].extensions.code).toBe('INVALID_OTP');
			}
			// And at once: one code sent to every instance twice, simultaneously: accepted once.
			const burstEmail = `cluster-${label}-totp-burst@example.com`;
			const burstUser = await host.createApiUser(role, burstEmail);
			const burst = await enableTfa(host, burstUser.token);
			const { current: code } = await codes(burst.secret);
			const answers = await Promise.all([...all, ...all].map((node) => login(node, burstEmail, PASSWORD, { otp: code })));
			// Accepted once. The replays count as wrong codes (someone holding the password replays a
			// spent code): with 2 x 3 concurrent tries the cap may be reached before the winner's
			// success clears the count, so a replay may meet the lock (429) instead of 401.
			const statuses = answers.map((a) => a.status);
			expect(statuses.filter((s) => s === 200)).toHaveLength(1);
			expect(statuses.filter((s) => s !== 200).every((s) => s === 401 || s === 429), String(statuses)).toBe(true);
		});

		it(`${label}: wrong codes spread over the instances lock the user after ${OTP_MAX_ATTEMPTS} in all`, async () => {
			const all = members();
			const email = `cluster-${label}-lock@example.com`;
			const { id, token } = await host.createApiUser(role, email);
			const { secret } = await enableTfa(host, token);
			const { current, previous, next } = await codes(secret);
			const wrong = wrongCode(current, previous, next);
			const answers: string[] = [];
			for (let i = 0; i < OTP_MAX_ATTEMPTS; i++) {
				const node = all[i % all.length]!;
				answers.push(`${node.name}:${(await login(node, email, PASSWORD, { otp: wrong })).status}`);
			}
			// The 5th failure (wherever it lands) starts the lock.
			expect(answers.map((a) => a.split(':')[1])).toEqual([...Array(OTP_MAX_ATTEMPTS - 1).fill('401'), '429']);
			for (const node of all) {
				const locked = await login(node, email, PASSWORD, { otp: current });
				expect(locked.status, `${node.name}: ${locked.text}`).toBe(429);
				expect(locked.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
			}
			await lapseCodeLock(host.knex, id, OTP_LOCK_MS);
			const { current: fresh } = await codes(secret);
			expect((await login(all[all.length - 1]!, email, PASSWORD, { otp: fresh })).status).toBe(200);

			// A burst of 20 concurrent wrong guesses spread over the instances: no more than the cap are checked.
			const burstEmail = `cluster-${label}-lock-burst@example.com`;
			const burstUser = await host.createApiUser(role, burstEmail);
			const burst = await enableTfa(host, burstUser.token);
			const c = await codes(burst.secret);
			const guesses: string[] = [];
			while (guesses.length < 20) guesses.push(wrongCode(c.current, c.previous, c.next, ...guesses));
			const statuses = (await Promise.all(guesses.map((otp, i) => login(all[i % all.length]!, burstEmail, PASSWORD, { otp })))).map((a) => a.status);
			expect(statuses.every((s) => s === 401 || s === 429), statuses.join(',')).toBe(true);
			expect(statuses.filter((s) => s === 401).length, statuses.join(',')).toBeLessThanOrEqual(OTP_MAX_ATTEMPTS - 1);
			for (const node of all) expect((await login(node, burstEmail, PASSWORD, { otp: c.current })).status, node.name).toBe(429);
		});

		it(`${label}: with the schedule every second on each instance, each timed suspension is lifted once`, async () => {
			const all = members();
			const ids: string[] = [];
			for (let i = 0; i < 12; i++) ids.push(await host.createUser({ email: `cluster-${label}-suspended-${i}@example.com`, role, status: 'active' }));
			const until = new Date(Date.now() + 3_600_000).toISOString();
			for (const [i, id] of ids.entries()) {
				const res = await admin(all[i % all.length]!, 'POST', `/user-lifecycle/users/${id}/status`, { status: 'suspended', reason: 'cluster test', until });
				expect(res.status, res.text).toBe(200);
			}
			// Every suspension ends in one second, all at once.
			await host.knex('user_lifecycle_suspensions').whereIn('user_id', ids).update({ until: Date.now() + 1000 });
			await expect
				.poll(async () => (await host.knex('directus_users').whereIn('id', ids).where({ status: 'active' })).length, { timeout: 15_000, interval: 250 })
				.toBe(ids.length);
			await sleep(2500); // more ticks on every instance: nothing more may be recorded
			const lifts = await host.knex('user_lifecycle_events').whereIn('user', ids).where({ from: 'suspended', to: 'active' });
			expect(lifts).toHaveLength(ids.length);
			expect(new Set(lifts.map((e) => e.user)).size).toBe(ids.length);
			for (const e of lifts) expect(e).toMatchObject({ actor: null, via: 'schedule', reason: 'suspension ended' });
		});

		it(`${label}: invites queued on one instance, drained by all: each mail sent once`, async () => {
			const all = members();
			const total = 200;
			const emails = Array.from({ length: total }, (_, i) => `cluster-${label}-outbox-${String(i).padStart(3, '0')}@example.com`);
			const res = await admin(all[0]!, 'POST', '/user-lifecycle/invite', { email: emails, role });
			expect(res.status, res.text).toBe(200);
			for (const email of emails) await host.mailbox.waitFor(email, 1, 60_000);
			await sleep(2000); // a late duplicate would show up here
			for (const email of emails) expect(host.mailbox.to(email), email).toHaveLength(1);
			const rows = await host.knex('user_lifecycle_outbox').select('status').whereIn('recipient', emails);
			expect(rows).toHaveLength(total);
			expect(rows.every((r) => r.status === 'sent')).toBe(true);
			const senders = new Map<string, number>();
			for (const email of emails) {
				const helo = host.mailbox.to(email)[0]!.helo ?? '?';
				senders.set(helo, (senders.get(helo) ?? 0) + 1);
			}
			console.log(`[cluster] ${label}: ${total} mails sent by ${[...senders].map(([name, n]) => `${name} ${n}`).join(', ')}`);
			// The instances did compete for the outbox (more than one sent some).
			expect(senders.size).toBeGreaterThan(1);
		});
	}

	describe('two instances', () => {
		properties('two', () => nodes.slice(0, 2));
	});

	describe('a third instance joins mid-run', () => {
		it('starts on the same database and Redis while the others keep running, and serves requests', async () => {
			const c = await host.startSibling({ ...clusterEnv, EMAIL_SMTP_NAME: 'instance-c' });
			nodes.push({ name: 'C', url: c.url });
			const [a, b, third] = nodes as [Node, Node, Node];
			expect((await call(third, 'GET', '/server/ping')).status).toBe(200);
			// A's admin session works on C (one SECRET), and everything A and B made is there.
			const me = await admin(third, 'GET', '/users/me');
			expect(me.status, me.text).toBe(200);
			const members = await admin(third, 'GET', `/users?filter[role][_eq]=${role}&limit=-1&fields=id`);
			expect(members.status, members.text).toBe(200);
			expect(members.body.data.length).toBeGreaterThan(10);
			// A role made through C is seen by A and B at once (the schema cache and bus in Redis).
			const created = await admin(third, 'POST', '/roles', { name: 'Made on C' });
			expect(created.status, created.text).toBe(200);
			for (const node of [a, b]) expect((await admin(node, 'GET', `/roles/${created.body.data.id}`)).status, node.name).toBe(200);
			for (const node of [a, b]) expect((await call(node, 'GET', '/server/ping')).status).toBe(200);
		});
		properties('three', () => nodes.slice(0, 3));
	});

	it(`a timed login lock holds across instances: wrong passwords spread over them count together, every instance refuses alike, one lock and one unlock recorded`, async () => {
		const all = nodes;
		const email = 'cluster-login-lock@example.com';
		const { id } = await host.createApiUser(role, email);
		const wrong: Answer[] = [];
		for (let i = 0; i < LOGIN_MAX_ATTEMPTS; i++) wrong.push(await login(all[i % all.length]!, email, `wrong-password-${i}`));
		expect(wrong.map((a) => a.status)).toEqual(Array(LOGIN_MAX_ATTEMPTS).fill(401));
		for (const node of all) {
			const refused = await login(node, email, PASSWORD);
			expect(refused.status, node.name).toBe(401);
			expect(refused.text, node.name).toBe(wrong[0]!.text);
		}
		expect((await host.userByEmail(email)).status).toBe('active');
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'login-locked' })).toHaveLength(1);
		await lapseLoginLock(host.knex, id);
		// The first login after the lock (or the schedule, every second here) ends and records it once.
		const answers = await Promise.all(all.map((node) => login(node, email, PASSWORD)));
		expect(answers.map((a) => a.status)).toEqual(all.map(() => 200));
		await sleep(1500);
		const unlocked = await host.knex('user_lifecycle_events').where({ user: id, event: 'login-unlocked' });
		expect(unlocked).toHaveLength(1);
		expect(unlocked[0]).toMatchObject({ actor: null });
	});

	it(`a burst of wrong passwords spread over the instances has at most ${LOGIN_MAX_ATTEMPTS} of them checked; the lock follows`, async () => {
		const all = nodes;
		const email = 'cluster-login-burst@example.com';
		const { id } = await host.createApiUser(role, email);
		const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => login(all[i % all.length]!, email, `wrong-burst-${i}`)));
		expect(answers.every((a) => a.status === 401)).toBe(true);
		await sleep(500);
		// Only a checked wrong password is counted: the count is how many were hashed.
		const row = await host.knex('user_lifecycle_login_attempts').where({ user_id: id }).first();
		expect(Number(row.failures)).toBeGreaterThan(0);
		expect(Number(row.failures)).toBeLessThanOrEqual(LOGIN_MAX_ATTEMPTS);
		for (const node of all) expect((await login(node, email, PASSWORD)).status, node.name).toBe(Number(row.failures) >= LOGIN_MAX_ATTEMPTS ? 401 : 200);
	});

	it('path variants spread over the instances meet one flow: the per-address throttle holds across them, every mail is ours, GraphQL sub-paths too', async () => {
		const all = nodes;
		const email = 'cluster-variants@example.com';
		await host.createApiUser(role, email);
		const rest = ['//auth/password/request', '/auth//password/request', '/auth/password/request/', '/AUTH/Password/Request', '//user-lifecycle//password/request'];
		const graphql = ['/graphql/system/anything', '//graphql//system', '/GRAPHQL/SYSTEM/', '/graphql/system/x/y'];
		const query = 'mutation ($email: String!) { auth_password_request(email: $email) }';
		const answers = await Promise.all([
			...rest.map((path, i) => call(all[i % all.length]!, 'POST', path, { email })),
			...graphql.map((path, i) => call(all[(i + 1) % all.length]!, 'POST', path, { query, variables: { email } })),
		]);
		for (const answer of answers) expect(answer.status, answer.text).toBeLessThan(300);
		// Mail leaves through the outboxes of three instances: under a full suite's load, give it time.
		await host.mailbox.waitFor(email, 5, 60_000);
		await sleep(1500);
		expect(host.mailbox.to(email)).toHaveLength(5);
		const queued = Number((await host.knex('user_lifecycle_outbox').where({ recipient: email }).count({ n: '*' }).first())!.n);
		expect(queued).toBe(5);
		// One link is live (each request revoked the one before it, whatever the instance): of the five,
		// exactly one resets, through variants spread over the instances; no link works twice.
		const tokens = host.mailbox.to(email).map((mail) => mail.tokens[0]!);
		const variants = ['/auth//password/reset', '//auth/password/reset/', '/AUTH/password/RESET', '//user-lifecycle//password/reset', '/auth/password/reset'];
		const results: number[] = [];
		for (const [i, token] of tokens.entries()) {
			results.push((await call(all[i % all.length]!, 'POST', variants[i]!, { token, password: 'a-new-harbor-passphrase-2' })).status);
		}
		expect(results.filter((status) => status === 204), results.join(',')).toHaveLength(1);
		expect(results.filter((status) => status !== 204).every((status) => status === 403), results.join(',')).toBe(true);
		const spent = tokens[results.indexOf(204)]!;
		for (const node of all) expect((await call(node, 'POST', '/auth/password/reset', { token: spent, password: 'a-new-harbor-passphrase-3' })).status, node.name).toBe(403);
		expect((await login(all[0]!, email, 'a-new-harbor-passphrase-2')).status).toBe(200);
	});

	it('the instances shared Redis (this run\'s database has their keys)', async () => {
		const keys = await redisKeys(redisDb);
		const kinds = [...new Set(keys.map((key) => key.split(':').slice(0, 2).join(':')))].sort();
		console.log(`[cluster] Redis database ${redisDb}: ${keys.length} keys before the flush (${kinds.join(', ')})`);
		expect(keys.length).toBeGreaterThan(1); // more than this run's marker
	});
});
