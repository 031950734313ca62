// Review item 3 (issue 10): the recovery-code login was a password oracle. While the codes were
// locked it answered 401 to a wrong password but 429 to the right one. Now the lock is checked
// first and answers alike; and wrong passwords on this route are capped per user (without ever
// touching the code lock). Since issue 11 the cap is the timed login lock, shared with the host's
// own login (this route logs in through it): its knobs are set to the old cap here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { lapseCodeLock, lapseLoginLock } from '../../harness/locks.js';
import { codes, enableTfa, wrongCode } from './helpers.js';

// Both locks an hour, ended by lapse… where a test needs one over (test/harness/locks.ts).
const LOCK_MS = 60 * 60 * 1000;
const STALL_MS = 300;

describe.each(await availableDatabases())('recovery-code login and the locks on %s', (db) => {
	let host: TestHost;
	let role: string;
	const login = (body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/login', body);
	const remaining = async (token: string) => (await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data.recovery_codes_remaining;

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: { PRESSURE_LIMITER_ENABLED: 'false', LOGIN_STALL_TIME: String(STALL_MS), USER_LIFECYCLE_OTP_MAX_ATTEMPTS: '5', USER_LIFECYCLE_OTP_LOCK_DURATION: '1h',
				USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '5', USER_LIFECYCLE_LOGIN_LOCK_DURATION: '1h' },
		});
		role = await host.createApiRole('Recovery lock users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('while the codes are locked, right and wrong passwords get byte-identical answers and nothing is verified', async () => {
		const email = 'oracle.locked@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		const { current, previous, next } = await codes(secret);
		const wrong = wrongCode(current, previous, next);
		for (let i = 0; i < 5; i++) await host.api('POST', '/user-lifecycle/tfa/disable', { otp: wrong }, { token });
		expect((await host.login(email, PASSWORD, { otp: current })).status).toBe(429); // locked
		// The host's 429 message says how long is left, rounded ("retry after 3s"): a lock of days
		// ("10d") keeps it the same from one request to the next, so the answers compare byte for byte.
		await host.knex('user_lifecycle_otp_attempts').where({ user_id: id }).update({ locked_until: Date.now() + 10 * 86_400_000 });
		const attemptsBefore = await host.knex('user_lifecycle_otp_attempts').where({ user_id: id }).first();

		const right = await login({ email, password: PASSWORD, recovery_code: recoveryCodes[0] });
		const wrongPassword = await login({ email, password: 'wrong-password', recovery_code: recoveryCodes[0] });
		expect(right.status).toBe(429);
		expect(right.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
		expect(wrongPassword.status).toBe(right.status);
		expect(wrongPassword.text).toBe(right.text);
		for (const answer of [right, wrongPassword]) expect(answer.ms).toBeGreaterThanOrEqual(STALL_MS - 20);
		// Nothing verified: no code spent, the code counter unchanged, no password counted.
		expect(await remaining(token)).toBe(10);
		expect(await host.knex('user_lifecycle_otp_attempts').where({ user_id: id }).first()).toEqual(attemptsBefore);
		expect(await host.knex('user_lifecycle_recovery_login_attempts').where({ user_id: id })).toHaveLength(0);

		await lapseCodeLock(host.knex, id, LOCK_MS);
		expect((await login({ email, password: PASSWORD, recovery_code: recoveryCodes[0] })).status).toBe(200);
	});

	it('after 5 wrong passwords the right password with a valid recovery code is refused like a wrong password, and the code is not spent; the code lock is untouched', async () => {
		const email = 'oracle.passwords@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);

		const wrongAnswers = [];
		for (let i = 0; i < 5; i++) wrongAnswers.push(await login({ email, password: `wrong-password-${i}`, recovery_code: recoveryCodes[1] }));
		for (const answer of wrongAnswers) {
			expect(answer.status).toBe(401);
			expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		}
		const refused = await login({ email, password: PASSWORD, recovery_code: recoveryCodes[0] });
		expect(refused.status).toBe(401);
		expect(refused.text).toBe(wrongAnswers[0]!.text);
		expect(refused.ms).toBeGreaterThanOrEqual(STALL_MS - 20);
		expect(await remaining(token)).toBe(10);
		// One lock for every door: the host's login refuses the right password too, alike.
		const hostLogin = await host.login(email, PASSWORD);
		expect(hostLogin.status).toBe(401);
		expect(hostLogin.text).toBe(wrongAnswers[0]!.text);
		// Wrong passwords never lock the owner's codes: a code still works (on a route that takes
		// no password: the host's login shares the password lock with this route).
		expect(await host.knex('user_lifecycle_otp_attempts').where({ user_id: id })).toHaveLength(0);
		const { current } = await codes(secret);
		const renewed = await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: current }, { token });
		expect(renewed.status).toBe(200);
		const codesNow: string[] = renewed.body.data.recovery_codes;

		await lapseLoginLock(host.knex, id);
		const ok = await login({ email, password: PASSWORD, recovery_code: codesNow[0] });
		expect(ok.status).toBe(200);
		expect(await remaining(token)).toBe(9);
	});

	it('a right password takes its attempt back: the owner using the route doesn\'t add to the count', async () => {
		const email = 'oracle.owner@example.com';
		const { token } = await host.createApiUser(role, email);
		const { recoveryCodes } = await enableTfa(host, token);
		for (let i = 0; i < 4; i++) expect((await login({ email, password: 'wrong-password', recovery_code: recoveryCodes[0] })).status).toBe(401);
		// Right password, made-up code: refused (a wrong code), but the password is no wrong password.
		expect((await login({ email, password: PASSWORD, recovery_code: 'AAAAA-AAAAA' })).status).toBe(401);
		expect((await login({ email, password: PASSWORD, recovery_code: recoveryCodes[0] })).status).toBe(200);
	});
});
