import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { codes, enableTfa } from './helpers.js';

describe.each(await availableDatabases())('recovery codes on %s', (db) => {
	let host: TestHost;
	let role: string;
	const login = (body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/login', body);

	beforeAll(async () => {
		// Losers of a concurrent use count as wrong codes: a high cap keeps the lock out of this file.
		host = await startTestHost({ db, env: { PRESSURE_LIMITER_ENABLED: 'false', LOGIN_STALL_TIME: '50', USER_LIFECYCLE_OTP_MAX_ATTEMPTS: '100' } });
		role = await host.createApiRole('Recovery users', [{ collection: 'directus_users', action: 'read' }]);
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a recovery code logs in once, as the host login answers; a wrong password spends nothing', async () => {
		const email = 'recover.once@example.com';
		const { token } = await host.createApiUser(role, email);
		const { recoveryCodes } = await enableTfa(host, token);
		const [first, second, third] = recoveryCodes as [string, string, string];

		const wrongPassword = await login({ email, password: 'wrong-password', recovery_code: first });
		expect(wrongPassword.status).toBe(401);
		expect(wrongPassword.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		const unknown = await login({ email: 'nobody@example.com', password: PASSWORD, recovery_code: first });
		expect(unknown.status).toBe(401);
		expect(unknown.text).toBe(wrongPassword.text);

		const ok = await login({ email, password: PASSWORD, recovery_code: first.toLowerCase() });
		expect(ok.status).toBe(200);
		expect(Object.keys(ok.body.data).sort()).toEqual(['access_token', 'expires', 'refresh_token']);
		const me = await host.api('GET', '/users/me', undefined, { token: ok.body.data.access_token });
		expect(me.status).toBe(200);
		expect(me.body.data.email).toBe(email);
		const refreshed = await host.api('POST', '/auth/refresh', { refresh_token: ok.body.data.refresh_token, mode: 'json' });
		expect(refreshed.status).toBe(200);

		const reuse = await login({ email, password: PASSWORD, recovery_code: first });
		expect(reuse.status).toBe(401);
		expect((await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data.recovery_codes_remaining).toBe(9);

		const cookie = await login({ email, password: PASSWORD, recovery_code: second, mode: 'cookie' });
		expect(cookie.status).toBe(200);
		expect(Object.keys(cookie.body.data).sort()).toEqual(['access_token', 'expires']);
		expect(cookie.headers.get('set-cookie')).toMatch(/^directus_refresh_token=[^;]+;.*HttpOnly/i);
		const session = await login({ email, password: PASSWORD, recovery_code: third, mode: 'session' });
		expect(session.status).toBe(200);
		expect(Object.keys(session.body.data)).toEqual(['expires']);
		const sessionCookie = session.headers.get('set-cookie')!;
		expect(sessionCookie).toMatch(/^directus_session_token=[^;]+;.*HttpOnly/i);
		const viaSession = await host.api('GET', '/users/me', undefined, { headers: { cookie: sessionCookie.split(';')[0]! } });
		expect(viaSession.body.data.email).toBe(email);
	});

	it('20 concurrent uses of one code: exactly one logs in', async () => {
		const email = 'recover.race@example.com';
		const { token } = await host.createApiUser(role, email);
		const { recoveryCodes } = await enableTfa(host, token);
		const results = await Promise.all(Array.from({ length: 20 }, () => login({ email, password: PASSWORD, recovery_code: recoveryCodes[4] })));
		const statuses = results.map((r) => r.status);
		expect(statuses.filter((s) => s === 200)).toHaveLength(1);
		expect(statuses.filter((s) => s === 401)).toHaveLength(19);
	});

	it('a new set voids the old one; disabling removes them all', async () => {
		const email = 'recover.regen@example.com';
		const { token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		const { next } = await codes(secret);
		expect((await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: 'bad' }, { token })).status).toBe(400);
		const fresh = await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: next }, { token });
		expect(fresh.status).toBe(200);
		const newCodes: string[] = fresh.body.data.recovery_codes;
		expect(newCodes).toHaveLength(10);
		expect(newCodes.some((c) => recoveryCodes.includes(c))).toBe(false);
		for (const old of recoveryCodes.slice(0, 3)) expect((await login({ email, password: PASSWORD, recovery_code: old })).status).toBe(401);
		expect((await login({ email, password: PASSWORD, recovery_code: newCodes[0] })).status).toBe(200);
	});

	it('a recovery code is no way in for a user without TFA, nor with a made-up code', async () => {
		const email = 'recover.none@example.com';
		await host.createApiUser(role, email);
		expect((await login({ email, password: PASSWORD, recovery_code: 'AAAAA-AAAAA' })).status).toBe(401);
		const withTfa = 'recover.guess@example.com';
		const { token } = await host.createApiUser(role, withTfa);
		await enableTfa(host, token);
		for (const guess of ['AAAAA-AAAAA', '00000-00000', 'x']) expect((await login({ email: withTfa, password: PASSWORD, recovery_code: guess })).status).toBe(401);
	});
});
