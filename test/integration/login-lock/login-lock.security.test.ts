// The timed login lock (issue 11): after USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS wrong passwords the
// right one is refused exactly like a wrong one (same status, same body, same stall) on every
// door, the status is never touched, the lock lifts itself, and lock and unlock are audited.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { lapseLoginLock } from '../../harness/locks.js';
import { codes, enableTfa } from '../two-factor/helpers.js';

const MAX = 3;
// An hour, ended by lapseLoginLock where a test needs it over (test/harness/locks.ts).
const LOCK_MS = 60 * 60 * 1000;
const STALL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LOGIN_RECORDER = resolve(__dirname, '../../fixtures/directus-extension-login-recorder');

describe.each(await availableDatabases())('the timed login lock on %s', (db) => {
	let host: TestHost;
	let role: string;
	const events = async (user: string, event: string) => host.knex('user_lifecycle_events').where({ user, event });
	const lapse = (user: string) => lapseLoginLock(host.knex, user);
	const graphqlLogin = (email: string, password: string) =>
		host.api('POST', '/graphql/system', { query: 'mutation ($email: String!, $password: String!) { auth_login(email: $email, password: $password) { access_token } }', variables: { email, password } });

	// Every password check the host reports (the login recorder fixture): a checked wrong password is an INVALID_CREDENTIALS.
	const recorded = join(mkdtempSync(join(tmpdir(), 'login-recorder-')), 'logins.jsonl');
	writeFileSync(recorded, '');
	const checkedWrong = (user: string) =>
		readFileSync(recorded, 'utf8')
			.split('\n')
			.filter(Boolean)
			.map((line) => JSON.parse(line) as { user: string | null; status: string; code: string | null })
			.filter((entry) => entry.user === user && entry.status === 'fail' && entry.code === 'INVALID_CREDENTIALS').length;

	beforeAll(async () => {
		host = await startTestHost({
			db,
			extraExtensions: [LOGIN_RECORDER],
			env: {
				LOGIN_RECORDER_FILE: recorded,
				PRESSURE_LIMITER_ENABLED: 'false',
				LOGIN_STALL_TIME: String(STALL_MS),
				USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: String(MAX),
				USER_LIFECYCLE_LOGIN_LOCK_DURATION: '1h',
			},
		});
		role = await host.createApiRole('Login lock users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it(`after ${MAX} wrong passwords the right one is refused like a wrong one, in every mode; the status stays active; the lock lifts itself; both audited`, async () => {
		const email = 'lock.rest@example.com';
		const { id } = await host.createApiUser(role, email);
		const wrong = [];
		const started = Date.now();
		for (let i = 0; i < MAX; i++) wrong.push(await host.login(email, `wrong-password-${i}`));
		const ended = Date.now();
		for (const answer of wrong) {
			expect(answer.status).toBe(401);
			expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		}
		const refused = [
			await host.login(email, PASSWORD),
			await host.login(email, PASSWORD, { mode: 'cookie' }),
			await host.login(email, PASSWORD, { mode: 'session' }),
			await host.login(email, 'yet-another-wrong-password'),
		];
		for (const answer of refused) {
			expect(answer.status).toBe(401);
			expect(answer.text).toBe(wrong[0]!.text);
			expect(answer.headers.get('set-cookie')).toBeNull();
			expect(answer.ms).toBeGreaterThanOrEqual(STALL_MS - 20);
		}
		expect((await host.userByEmail(email)).status).toBe('active');
		const locked = await events(id, 'login-locked');
		expect(locked).toHaveLength(1);
		expect(locked[0]).toMatchObject({ actor: null, via: 'login', from: null, to: null });
		expect(await events(id, 'login-unlocked')).toHaveLength(0);
		// The lock runs for USER_LIFECYCLE_LOGIN_LOCK_DURATION from the failure that reached the limit.
		const until = Number((await host.knex('user_lifecycle_login_attempts').where({ user_id: id }).first()).locked_until);
		expect(until).toBeGreaterThanOrEqual(started + LOCK_MS);
		expect(until).toBeLessThanOrEqual(ended + LOCK_MS);

		await lapse(id);
		const after = await host.login(email, PASSWORD);
		expect(after.status, after.text).toBe(200);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		// Recorded once, by this login or by the schedule if it got there first.
		expect((await events(id, 'login-unlocked'))[0]).toMatchObject({ actor: null, via: expect.stringMatching(/^(login|schedule)$/) });
		expect((await host.userByEmail(email)).status).toBe('active');
		// The count started afresh: as many wrong passwords as before are needed again.
		for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('a successful login resets the count; other users are not affected', async () => {
		const email = 'lock.reset@example.com';
		const other = 'lock.bystander@example.com';
		await host.createApiUser(role, email);
		await host.createApiUser(role, other);
		for (let round = 0; round < 3; round++) {
			for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
			expect((await host.login(email, PASSWORD)).status).toBe(200);
		}
		for (let i = 0; i < MAX; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect((await host.login(other, PASSWORD)).status).toBe(200);
	});

	it("the host's own counter (auth_login_attempts) never suspends the user across lock periods; admins still read the setting as they set it", async () => {
		const email = 'lock.host-counter@example.com';
		const { id } = await host.createApiUser(role, email);
		// Low enough that two lock periods of wrong passwords pass it: the host would suspend for good.
		await host.setSettings({ auth_login_attempts: MAX + 1 });
		try {
			for (let period = 0; period < 2; period++) {
				for (let i = 0; i < MAX; i++) expect((await host.login(email, `wrong-password-${period}-${i}`)).status).toBe(401);
				expect((await host.login(email, PASSWORD)).status).toBe(401);
				await lapse(id);
			}
			expect((await host.userByEmail(email)).status).toBe('active');
			expect((await host.login(email, PASSWORD)).status).toBe(200);
			expect((await host.userByEmail(email)).status).toBe('active');
			expect(await events(id, 'login-locked')).toHaveLength(2);
			const settings = await host.api('GET', '/settings?fields=auth_login_attempts', undefined, { token: host.adminToken });
			expect(settings.body.data.auth_login_attempts).toBe(MAX + 1);
		} finally {
			await host.setSettings({ auth_login_attempts: null });
		}
	});

	it('GraphQL auth_login counts and is refused alike; the REST door shares the lock', async () => {
		const email = 'lock.graphql@example.com';
		const { id } = await host.createApiUser(role, email);
		const wrong = [];
		for (let i = 0; i < MAX; i++) wrong.push(await graphqlLogin(email, `wrong-password-${i}`));
		for (const answer of wrong) expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		const right = await graphqlLogin(email, PASSWORD);
		expect(right.status).toBe(wrong[0]!.status);
		expect(right.text).toBe(wrong[0]!.text);
		expect(right.body.data?.auth_login ?? null).toBeNull();
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
	});

	it('a locked two-factor user: the right password and a right code meet the wrong password\'s answer, and the code is not spent', async () => {
		const email = 'lock.tfa@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const { current } = await codes(secret);
		const stepsBefore = (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length;
		const wrong = [];
		// Wrong passwords with a code count too (the two-factor guard answers them in the host's place).
		for (let i = 0; i < MAX; i++) wrong.push(await host.login(email, `wrong-password-${i}`, { otp: current }));
		for (const answer of wrong) expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		const refused = await host.login(email, PASSWORD, { otp: current });
		expect(refused.status).toBe(401);
		expect(refused.text).toBe(wrong[0]!.text);
		// (A right code with a wrong password is given back once the host refused the password.)
		await expect.poll(async () => (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length).toBe(stepsBefore);
		expect(await host.knex('user_lifecycle_otp_attempts').where({ user_id: id })).toHaveLength(0);
		expect(await events(id, 'login-locked')).toHaveLength(1);
	});

	it(`a burst of 20 concurrent wrong passwords has at most ${MAX} of them checked; the right one then meets the lock`, async () => {
		const email = 'lock.burst@example.com';
		const { id } = await host.createApiUser(role, email);
		const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => host.login(email, `wrong-burst-${i}`)));
		expect(answers.every((a) => a.status === 401 && a.body.errors[0].extensions.code === 'INVALID_CREDENTIALS')).toBe(true);
		// Counted before the hash: no more than the limit were checked (each reported by the host).
		await sleep(300);
		expect(checkedWrong(id)).toBeGreaterThan(0);
		expect(checkedWrong(id)).toBeLessThanOrEqual(MAX);
		// Only a checked wrong password is counted: the row agrees with the host's reports.
		expect(Number((await host.knex('user_lifecycle_login_attempts').where({ user_id: id }).first()).failures)).toBe(checkedWrong(id));
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
	});

	it('the owner\'s own burst of right passwords locks nothing: past the limit at once they are turned away, not counted', async () => {
		const email = 'lock.burst-owner@example.com';
		const { id } = await host.createApiUser(role, email);
		const answers = await Promise.all(Array.from({ length: 12 }, () => host.login(email, PASSWORD)));
		expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(1);
		expect(answers.every((a) => a.status === 200 || a.body.errors[0].extensions.code === 'INVALID_CREDENTIALS')).toBe(true);
		await sleep(300);
		expect(await events(id, 'login-locked')).toHaveLength(0);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('a right password in a burst of wrong ones gets in only within the limit, never past it', async () => {
		const email = 'lock.burst-right@example.com';
		const { id } = await host.createApiUser(role, email);
		// The review's case: 40 at once, the right password 18th.
		const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => host.login(email, i === 17 ? PASSWORD : `wrong-${i}`)));
		const right = answers[17]!;
		// Counted within the limit, the owner's password gets in (and starts the count afresh).
		if (right.status === 200) return;
		expect(right.status).toBe(401);
		expect(right.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		await sleep(300);
		expect(checkedWrong(id)).toBeLessThanOrEqual(MAX);
	});

	it('a wrong password on two-factor set-up counts toward the lock and stalls like a login, on every door; once locked, the right one is refused there too', async () => {
		const email = 'lock.tfa-generate@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const doors = [
			() => host.api('POST', '/user-lifecycle/tfa/generate', { password: 'wrong-a' }, { token }),
			() => host.api('POST', '//users//me/tfa/generate', { password: 'wrong-b' }, { token }),
			() => host.api('POST', '/graphql/system', { query: 'mutation { users_me_tfa_generate(password: "wrong-c") { secret } }' }, { token }),
		];
		for (const door of doors) {
			const res = await door();
			expect(res.ms).toBeGreaterThanOrEqual(STALL_MS - 5);
			const code = res.body.errors[0].extensions.code;
			expect(code, res.text).toBe('INVALID_CREDENTIALS');
		}
		expect(await events(id, 'login-locked')).toHaveLength(1);
		// Locked: the right password is refused on the set-up route (no hash) and at the login.
		const locked = await host.api('POST', '/user-lifecycle/tfa/generate', { password: PASSWORD }, { token });
		expect(locked.status).toBe(401);
		expect(locked.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		await lapse(id);
		// Lifted: the right password works on both, and a success clears the count.
		expect((await host.api('POST', '/user-lifecycle/tfa/generate', { password: PASSWORD }, { token })).status).toBe(200);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('nobody locks out the owner: a device that signed in before is judged by its own wrong passwords, not by the lock', async () => {
		const email = 'lock.device@example.com';
		const { id } = await host.createApiUser(role, email);
		await host.createApiUser(role, 'lock.device-other@example.com');
		const withDevice = (password: string, device: string) => host.api('POST', '/auth/login', { email, password }, { headers: { 'x-user-lifecycle-device': device } });
		// A right password hands out a device value in a cookie (never in a header the host's log prints).
		const deviceOf = (res: { headers: Headers }) => /user_lifecycle_device=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '';
		const first = await host.login(email, PASSWORD);
		expect(first.status).toBe(200);
		expect(first.headers.get('x-user-lifecycle-device')).toBeNull();
		const device = deviceOf(first);
		expect(device).toMatch(/^[\w-]+\.[\w-]+$/);
		expect(first.headers.get('set-cookie')).toMatch(/user_lifecycle_device=[^;]+;.*HttpOnly/i);
		expect(first.headers.get('set-cookie')).toMatch(/user_lifecycle_device=[^;]+;.*SameSite=Lax/i);
		const othersDevice = deviceOf(await host.login('lock.device-other@example.com', PASSWORD));

		// Someone who knows only the address locks the account...
		for (let i = 0; i < MAX; i++) expect((await host.login(email, `wrong-${i}`)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		// ...a device bound to another user, or a forged one, changes nothing...
		expect((await withDevice(PASSWORD, othersDevice)).status).toBe(401);
		expect((await withDevice(PASSWORD, `${device.split('.')[0]}.${'A'.repeat(43)}`)).status).toBe(401);
		// ...and the owner's own device still gets in (as a cookie too); the lock holds for the rest.
		expect((await withDevice(PASSWORD, device)).status).toBe(200);
		const viaCookie = await host.api('POST', '/auth/login', { email, password: PASSWORD }, { headers: { cookie: `user_lifecycle_device=${device}` } });
		expect(viaCookie.status, viaCookie.text).toBe(200);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		// The device has its own limit: MAX wrong passwords from it, and it meets a lock of its own.
		for (let i = 0; i < MAX; i++) expect((await withDevice(`wrong-device-${i}`, device)).status).toBe(401);
		expect((await withDevice(PASSWORD, device)).status).toBe(401);
		expect((await host.admin('DELETE', `/user-lifecycle/users/${id}/login-lock`)).body).toEqual({ data: { unlocked: true } });
		expect((await host.login(email, PASSWORD)).status).toBe(200);
		// The value is a way past the lock: no log line holds it.
		expect(host.logs()).not.toContain(device.split('.')[1]);
	});

	it.runIf(db === 'postgres')('two instances on one database share the count and the lock', async () => {
		const email = 'lock.cluster@example.com';
		const { id } = await host.createApiUser(role, email);
		const sibling = await host.startSibling({ PRESSURE_LIMITER_ENABLED: 'false' });
		const siblingLogin = async (password: string) => {
			const res = await fetch(`${sibling.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
			return { status: res.status, text: await res.text() };
		};
		const wrong = [await host.login(email, 'wrong-1'), await siblingLogin('wrong-2'), await host.login(email, 'wrong-3')];
		expect(wrong.map((a) => a.status)).toEqual([401, 401, 401]);
		const onSibling = await siblingLogin(PASSWORD);
		expect(onSibling.status).toBe(401);
		expect(onSibling.text).toBe(wrong[0]!.text);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
		await lapse(id);
		const [a, b] = await Promise.all([host.login(email, PASSWORD), siblingLogin(PASSWORD)]);
		expect([a.status, b.status]).toEqual([200, 200]);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		await sibling.stop();
	}, 300_000); // a second process starting on a busy machine
});
