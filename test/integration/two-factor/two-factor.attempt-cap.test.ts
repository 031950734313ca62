import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { lapseCodeLock } from '../../harness/locks.js';
import { codes, enableTfa, wrongCode } from './helpers.js';

// An hour, ended by lapseCodeLock where a test needs it over (test/harness/locks.ts).
const LOCK_MS = 60 * 60 * 1000;

describe.each(await availableDatabases())('two-factor lockout on %s', (db) => {
	let host: TestHost;
	let role: string;

	beforeAll(async () => {
		// The login lock far away: these tests are about the code lock (the login lock admits only
		// its limit of password checks at once, which would answer part of a burst before any code).
		host = await startTestHost({
			db,
			env: { PRESSURE_LIMITER_ENABLED: 'false', LOGIN_STALL_TIME: '20', USER_LIFECYCLE_OTP_MAX_ATTEMPTS: '5', USER_LIFECYCLE_OTP_LOCK_DURATION: '1h', USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '100' },
		});
		role = await host.createApiRole('TFA lockout users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('after 5 wrong codes the right one is refused (host login) until the lock passes', async () => {
		const email = 'lock.host@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const { current, previous, next } = await codes(secret);
		const wrong = wrongCode(current, previous, next);

		const answers: number[] = [];
		const started = Date.now();
		for (let i = 0; i < 6; i++) answers.push((await host.login(email, PASSWORD, { otp: wrong })).status);
		const ended = Date.now();
		expect(answers.slice(0, 4)).toEqual([401, 401, 401, 401]);
		expect(answers.slice(4)).toEqual([429, 429]); // the 5th failure starts the lock
		// It runs for USER_LIFECYCLE_OTP_LOCK_DURATION from that failure.
		const until = Number((await host.knex('user_lifecycle_otp_attempts').where({ user_id: id }).first()).locked_until);
		expect(until).toBeGreaterThanOrEqual(started + LOCK_MS);
		expect(until).toBeLessThanOrEqual(ended + LOCK_MS);
		const locked = await host.login(email, PASSWORD, { otp: current });
		expect(locked.status).toBe(429);
		expect(locked.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
		// Our routes share the lock.
		expect((await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: current }, { token })).status).toBe(429);

		await lapseCodeLock(host.knex, id, LOCK_MS);
		const { current: fresh } = await codes(secret);
		const after = await host.login(email, PASSWORD, { otp: fresh });
		expect(after.status).toBe(200);
	});

	it('wrong codes on our routes lock the host login too; a wrong password spends no attempt', async () => {
		const email = 'lock.routes@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		const { current, previous, next } = await codes(secret);
		const wrong = wrongCode(current, previous, next);

		// Without the password nobody can burn attempts or lock the user out.
		for (let i = 0; i < 8; i++) expect((await host.login(email, 'wrong-password', { otp: wrong })).status).toBe(401);
		for (let i = 0; i < 4; i++) expect((await host.api('POST', '/user-lifecycle/tfa/disable', { otp: wrong }, { token })).status).toBe(400);
		expect((await host.api('POST', '/user-lifecycle/tfa/disable', { otp: wrong }, { token })).status).toBe(429);
		expect((await host.login(email, PASSWORD, { otp: current })).status).toBe(429);
		// Recovery codes too: refused, and not spent.
		const recovery = await host.api('POST', '/user-lifecycle/login', { email, password: PASSWORD, recovery_code: recoveryCodes[0] });
		expect(recovery.status).toBe(429);
		expect((await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data.recovery_codes_remaining).toBe(10);
		await lapseCodeLock(host.knex, id, LOCK_MS);
		const { current: fresh } = await codes(secret);
		expect((await host.login(email, PASSWORD, { otp: fresh })).status).toBe(200);
		expect((await host.api('POST', '/user-lifecycle/login', { email, password: PASSWORD, recovery_code: recoveryCodes[0] })).status).toBe(200);
	});

	it('a burst of 20 concurrent guesses: at most 5 codes are checked, the rest meet the lock', async () => {
		const email = 'lock.burst@example.com';
		const { token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const { current, previous, next } = await codes(secret);
		const guesses = Array.from({ length: 20 }, (_, i) => wrongCode(current, previous, next, ...Array.from({ length: i }, (_, j) => wrongCode(current, previous, next) + j)));
		const answers = await Promise.all(guesses.map((otp) => host.login(email, PASSWORD, { otp })));
		const statuses = answers.map((a) => a.status);
		expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(4);
		expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(16);
		expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
		expect((await host.login(email, PASSWORD, { otp: current })).status).toBe(429);
	});

	it('a right code resets the count', async () => {
		const email = 'lock.reset@example.com';
		const { token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const { current, previous, next } = await codes(secret);
		const wrong = wrongCode(current, previous, next);
		for (let i = 0; i < 4; i++) expect((await host.login(email, PASSWORD, { otp: wrong })).status).toBe(401);
		expect((await host.login(email, PASSWORD, { otp: current })).status).toBe(200);
		for (let i = 0; i < 4; i++) expect((await host.login(email, PASSWORD, { otp: wrong })).status).toBe(401);
		expect((await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: next }, { token })).status).toBe(200);
	});

	it('the count is shared by instances on one database', async () => {
		const email = 'lock.cluster@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		// The host's pressure limiter answers 503 while a fresh process warms up on a busy machine.
		const sibling = await host.startSibling({ PRESSURE_LIMITER_ENABLED: 'false' });
		const siblingLogin = (otp: string) =>
			fetch(`${sibling.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD, otp }) });
		const { current, previous, next } = await codes(secret);
		const wrong = wrongCode(current, previous, next);
		for (let i = 0; i < 2; i++) expect((await host.login(email, PASSWORD, { otp: wrong })).status).toBe(401);
		for (let i = 0; i < 2; i++) expect((await siblingLogin(wrong)).status).toBe(401);
		expect((await host.login(email, PASSWORD, { otp: wrong })).status).toBe(429);
		expect((await siblingLogin(current)).status).toBe(429);
		await lapseCodeLock(host.knex, id, LOCK_MS);
		const { current: fresh } = await codes(secret);
		// One code, two instances: accepted once.
		const [a, b] = await Promise.all([host.login(email, PASSWORD, { otp: fresh }), siblingLogin(fresh)]);
		expect([a.status, b.status].sort()).toEqual([200, 401]);
		await sibling.stop();
	}, 300_000); // a second process starting on a busy machine (50 s measured)
});
