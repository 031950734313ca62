import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';
import { codes, enableTfa, wrongCode } from './helpers.js';

describe.each(await availableDatabases())('two-factor on %s', (db) => {
	let host: TestHost;
	let role: string;
	const secrets: string[] = [];

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
		role = await host.createApiRole('TFA users', [{ collection: 'directus_users', action: 'read' }]);
		await host.setSettings({ project_name: 'Lifecycle Test' });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('generate needs the password; enable needs a right code and answers recovery codes; then the host login needs a code', async () => {
		const email = 'tfa.one@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const tfa = (body: unknown, path = 'generate') => host.api('POST', `/user-lifecycle/tfa/${path}`, body, { token });

		const wrongPassword = await tfa({ password: 'not-the-password' });
		expect(wrongPassword.status).toBe(401);
		expect(wrongPassword.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		expect((await tfa({})).status).toBe(400);
		expect((await host.api('POST', '/user-lifecycle/tfa/generate', { password: PASSWORD })).status).toBe(401); // no token

		const generated = await tfa({ password: PASSWORD });
		expect(generated.status).toBe(200);
		const { secret, otpauth_url } = generated.body.data;
		secrets.push(secret);
		expect(secret).toMatch(/^[A-Z2-7]{32}$/);
		const url = new URL(otpauth_url);
		expect(url.protocol).toBe('otpauth:');
		expect(url.searchParams.get('issuer')).toBe('Lifecycle Test');
		expect(decodeURIComponent(url.pathname)).toContain(email);
		// Nothing stored until enabled.
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();

		const { previous, current } = await codes(secret);
		const wrong = await tfa({ secret, otp: wrongCode(previous, current) }, 'enable');
		expect(wrong.status).toBe(400);
		expect((await tfa({ secret: 'not base32!', otp: previous }, 'enable')).status).toBe(400);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();

		const enabled = await tfa({ secret, otp: previous }, 'enable');
		expect(enabled.status).toBe(200);
		const recovery: string[] = enabled.body.data.recovery_codes;
		expect(recovery).toHaveLength(10);
		expect(new Set(recovery).size).toBe(10);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);
		// Stored as hashes, one row each.
		const rows = await host.knex('user_lifecycle_recovery_codes').where({ user_id: id });
		expect(rows).toHaveLength(10);
		for (const row of rows) for (const code of recovery) expect(row.code_hash).not.toContain(code.replace('-', ''));

		expect((await tfa({ secret, otp: current }, 'enable')).status).toBe(400); // already on
		const status = await host.api('GET', '/user-lifecycle/tfa', undefined, { token });
		expect(status.body.data).toEqual({ enabled: true, recovery_codes_remaining: 10 });

		const noCode = await host.login(email, PASSWORD);
		expect(noCode.status).toBe(401);
		expect(noCode.body.errors[0].extensions.code).toBe('INVALID_OTP');
		const withCode = await host.login(email, PASSWORD, { otp: current });
		expect(withCode.status).toBe(200);
		expect(withCode.body.data.access_token).toBeTruthy();
	});

	it('a code is accepted once: replay refused through the host login and through disable', async () => {
		const email = 'tfa.replay@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		secrets.push(secret, ...recoveryCodes);
		const { current, next, step } = await codes(secret);

		expect((await host.login(email, PASSWORD, { otp: current })).status).toBe(200);
		const replay = await host.login(email, PASSWORD, { otp: current });
		expect(replay.status).toBe(401);
		expect(replay.body.errors[0].extensions.code).toBe('INVALID_OTP');
		expect(await host.knex('user_lifecycle_otp_steps').where({ user_id: id, step })).toHaveLength(1);

		// Accepted by the host login: refused by disable too.
		const disableReplay = await host.api('POST', '/user-lifecycle/tfa/disable', { otp: current }, { token });
		expect(disableReplay.status).toBe(400);
		// Accepted by our route (the next step, inside the ±1 window): refused the second time.
		const regenerated = await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: next }, { token });
		expect(regenerated.status).toBe(200);
		const again = await host.api('POST', '/user-lifecycle/tfa/disable', { otp: next }, { token });
		expect(again.status).toBe(400);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);

		// A recovery code disables TFA; the host login needs no code afterwards.
		const newCodes: string[] = regenerated.body.data.recovery_codes;
		secrets.push(...newCodes);
		const old = await host.api('POST', '/user-lifecycle/tfa/disable', { recovery_code: recoveryCodes[0] }, { token });
		expect(old.status).toBe(400); // the old set is void
		const disabled = await host.api('POST', '/user-lifecycle/tfa/disable', { recovery_code: newCodes[0] }, { token });
		expect(disabled.status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
		expect(await host.knex('user_lifecycle_recovery_codes').where({ user_id: id })).toHaveLength(0);
		expect((await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data).toEqual({ enabled: false, recovery_codes_remaining: 0 });
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('the host routes /users/me/tfa/* are served with the host shapes', async () => {
		const email = 'tfa.native@example.com';
		const { id, token } = await host.createApiUser(role, email);
		expect((await host.api('POST', '/users/me/tfa/generate', { password: 'wrong-password' }, { token })).status).toBe(401);
		expect((await host.api('POST', '/users/me/tfa/generate', {}, { token })).status).toBe(400);
		const generated = await host.api('POST', '/users/me/tfa/generate', { password: PASSWORD }, { token });
		expect(generated.status).toBe(200);
		expect(Object.keys(generated.body.data).sort()).toEqual(['otpauth_url', 'secret']);
		const secret: string = generated.body.data.secret;
		secrets.push(secret);
		const { previous, current, next } = await codes(secret);
		expect((await host.api('POST', '/users/me/tfa/enable', { secret, otp: wrongCode(previous, current, next) }, { token })).status).toBe(400);
		expect((await host.api('POST', '/users/me/tfa/enable', { secret }, { token })).status).toBe(400);
		const enabled = await host.api('POST', '/users/me/tfa/enable', { secret, otp: previous }, { token });
		expect(enabled.status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);

		const login = await host.login(email, PASSWORD, { otp: current });
		expect(login.status).toBe(200);
		expect((await host.api('POST', '/users/me/tfa/disable', { otp: current }, { token })).status).toBe(400); // replay
		expect((await host.api('POST', '/users/me/tfa/disable', {}, { token })).status).toBe(400);
		expect((await host.api('POST', '/users/me/tfa/disable', { otp: next }, { token })).status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
	});

	it('admin reset clears TFA with an audit record; non-admins get 403', async () => {
		const email = 'tfa.reset@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		secrets.push(secret, ...recoveryCodes);
		const other = await host.createApiUser(role, 'tfa.other@example.com');

		const denied = await host.api('POST', `/user-lifecycle/users/${id}/tfa/reset`, undefined, { token: other.token });
		expect(denied.status).toBe(403);
		expect((await host.api('POST', `/user-lifecycle/users/${id}/tfa/reset`, undefined, { token })).status).toBe(403); // not even one's own
		expect((await host.api('POST', `/user-lifecycle/users/${id}/tfa/reset`)).status).toBe(401);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);

		const before = Date.now();
		const reset = await host.admin('POST', `/user-lifecycle/users/${id}/tfa/reset`);
		expect(reset.status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
		expect(await host.knex('user_lifecycle_recovery_codes').where({ user_id: id })).toHaveLength(0);
		const adminId = (await host.admin('GET', '/users/me')).body.data.id;
		const events = await host.knex('user_lifecycle_events').where({ user: id, event: 'tfa-reset' });
		expect(events).toHaveLength(1);
		expect(events[0].actor).toBe(adminId);
		expect(events[0].via).toBe('tfa-reset');
		expect(new Date(events[0].at).getTime()).toBeGreaterThanOrEqual(before - 5000);
		expect((await host.login(email, PASSWORD)).status).toBe(200);

		// The host's own admin route (Data Studio "disable 2FA") takes the same path.
		const again = await enableTfa(host, token);
		secrets.push(again.secret, ...again.recoveryCodes);
		expect((await host.api('POST', `/users/${id}/tfa/disable`, undefined, { token: other.token })).status).toBe(403);
		expect((await host.admin('POST', `/users/${id}/tfa/disable`)).status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'tfa-reset' })).toHaveLength(2);
	});

	it('malformed input on every route answers 4xx, never 5xx', async () => {
		const { id, token } = await host.createApiUser(role, 'tfa.fuzz@example.com');
		const { secret, recoveryCodes } = await enableTfa(host, token);
		secrets.push(secret, ...recoveryCodes);
		const bodies: unknown[] = [null, [], 'x', 42, {}, { otp: 123456 }, { otp: '' }, { otp: 'x'.repeat(5000) }, { otp: {} }, { secret: [], otp: [] },
			{ password: 1 }, { recovery_code: null }, { otp: '123456', recovery_code: 'AAAAA-AAAAA' }, { unknown: 1 }, { email: 'no', password: 'x', recovery_code: 'x' },
			{ email: 'a@example.com', password: 'x', recovery_code: 'x', mode: 'weird' }, { email: 'a@example.com', password: ['x'], recovery_code: 'x' }];
		const routes = ['/user-lifecycle/tfa/generate', '/user-lifecycle/tfa/enable', '/user-lifecycle/tfa/disable', '/user-lifecycle/tfa/recovery-codes',
			'/user-lifecycle/login', `/user-lifecycle/users/${id}/tfa/reset`, '/user-lifecycle/users/not-a-uuid/tfa/reset', '/users/me/tfa/generate', '/users/me/tfa/enable', '/users/me/tfa/disable'];
		for (const route of routes) {
			for (const body of bodies) {
				for (const auth of [token, null]) {
					const res = await host.api('POST', route, body, { token: auth });
					expect(res.status, `${route} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
					expect(res.status, `${route} ${JSON.stringify(body)}`).toBeLessThan(500);
				}
			}
			const broken = await host.api('POST', route, undefined, { token, raw: '{"otp": ' });
			expect(broken.status).toBe(400);
		}
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);
	});

	it('no secret, code or recovery code reaches the logs or GET /users/me', async () => {
		const email = 'tfa.secret@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		secrets.push(secret, ...recoveryCodes);
		const me = await host.api('GET', '/users/me?fields=*', undefined, { token });
		expect(me.status).toBe(200);
		expect(me.text).not.toContain(secret);
		expect(me.body.data.tfa_secret).toBe('**********');
		const asAdmin = await host.admin('GET', `/users/${id}`);
		expect(asAdmin.text).not.toContain(secret);
		const logs = host.logs();
		expect(logs.length).toBeGreaterThan(0);
		for (const value of secrets) {
			expect(logs).not.toContain(value);
			expect(logs).not.toContain(value.replace('-', ''));
		}
		expect(logs).not.toContain(PASSWORD);
	});
});
