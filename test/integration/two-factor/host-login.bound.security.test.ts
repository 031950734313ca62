// Issue 12: the host's login with a code verifies the password once (a right code: the host's
// verification; a wrong one: ours instead of the host's). The bound this gives a burst of
// concurrent wrong codes from someone who has the password, measured by what got looked at:
// every code that passed the lock check is counted in `user_lifecycle_otp_attempts.failures`
// (a right one would have been let through instead). One instance: at most MAX; I instances:
// at most MAX + I - 1. Codes answered as wrong: at most MAX - 1 anywhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { codes, enableTfa, wrongCode } from './helpers.js';

const MAX = 5;

describe.each(await availableDatabases())('the host login\'s bound for a burst of wrong codes on %s', (db) => {
	let host: TestHost;
	let role: string;
	const failures = async (id: string) => Number((await host.knex('user_lifecycle_otp_attempts').where({ user_id: id }).first())?.failures ?? 0);
	const guesses = (c: { current: string; previous: string; next: string }, n: number) => {
		const out: string[] = [];
		while (out.length < n) out.push(wrongCode(c.current, c.previous, c.next, ...out));
		return out;
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: { PRESSURE_LIMITER_ENABLED: 'false', LOGIN_STALL_TIME: '20', USER_LIFECYCLE_OTP_MAX_ATTEMPTS: String(MAX), USER_LIFECYCLE_OTP_LOCK_DURATION: '60s', USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '100' },
		});
		role = await host.createApiRole('Bound users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it(`one instance, 20 concurrent wrong codes with the password: at most ${MAX} looked at, ${MAX - 1} answered as wrong, the rest meet the lock`, async () => {
		const email = 'bound.one@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const c = await codes(secret);
		const statuses = (await Promise.all(guesses(c, 20).map((otp) => host.login(email, PASSWORD, { otp })))).map((a) => a.status);
		expect(statuses.every((s) => s === 401 || s === 429), statuses.join(',')).toBe(true);
		const looked = await failures(id);
		console.log(`[bound] ${db}, one instance: ${looked} of 20 codes looked at, ${statuses.filter((s) => s === 401).length} answered as wrong`);
		expect(looked).toBeLessThanOrEqual(MAX);
		expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX - 1);
		expect((await host.login(email, PASSWORD, { otp: c.current })).status).toBe(429);
	});

	it('without the password a burst of codes is refused as a wrong password: nothing counted, no step taken, each login reported once', async () => {
		const email = 'bound.stranger@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const c = await codes(secret);
		const steps = (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length;
		const answers = await Promise.all([...guesses(c, 12), c.current].map((otp) => host.login(email, 'not-the-password', { otp })));
		for (const a of answers) expect(a.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		expect(await failures(id)).toBe(0);
		await expect.poll(async () => (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length).toBe(steps);
		// Each refused password reported once on the host's auth.login action (the login lock's count).
		await expect.poll(async () => Number((await host.knex('user_lifecycle_login_attempts').where({ user_id: id }).first())?.failures ?? 0)).toBe(13);
		expect((await host.login(email, PASSWORD, { otp: c.current })).status).toBe(200);
	});

	it.runIf(db === 'postgres')(`two instances: at most ${MAX} + 1 looked at, ${MAX - 1} answered as wrong`, async () => {
		const email = 'bound.two@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const sibling = await host.startSibling({ PRESSURE_LIMITER_ENABLED: 'false' });
		const c = await codes(secret);
		const statuses = await Promise.all(
			guesses(c, 20).map(async (otp, i) => {
				if (i % 2 === 0) return (await host.login(email, PASSWORD, { otp })).status;
				const res = await fetch(`${sibling.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD, otp }) });
				return res.status;
			}),
		);
		const looked = await failures(id);
		console.log(`[bound] ${db}, two instances: ${looked} of 20 codes looked at, ${statuses.filter((s) => s === 401).length} answered as wrong`);
		expect(statuses.every((s) => s === 401 || s === 429), statuses.join(',')).toBe(true);
		expect(looked).toBeLessThanOrEqual(MAX + 1);
		expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(MAX - 1);
		await sibling.stop();
	}, 300_000); // a second process starting on a busy machine
});
