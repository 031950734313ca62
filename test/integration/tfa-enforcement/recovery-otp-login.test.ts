// A recovery code typed into the OTP field of the host's own login (the Data Studio's sign-in):
// served by the recovery-code login, answered in the host's shape for each mode, spent once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';
import { codes, enableTfa } from '../two-factor/helpers.js';

describe.each(await availableDatabases())('recovery code in the host login on %s', (db) => {
	let host: TestHost;
	let role: string;

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
		role = await host.createApiRole('Recovery users', [{ collection: 'directus_users', action: 'read' }]);
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('json and session modes, and GraphQL; the count drops; a used code and a wrong password are refused; a TOTP still goes to the host', async () => {
		const email = 'recovery.otp@example.com';
		const { token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		const remaining = async () => (await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data.recovery_codes_remaining;

		const json = await host.login(email, PASSWORD, { otp: recoveryCodes[0] });
		expect(json.status).toBe(200);
		expect(Object.keys(json.body.data)).toEqual(['expires', 'refresh_token', 'access_token']);
		expect((await host.api('GET', '/users/me', undefined, { token: json.body.data.access_token })).body.data.email).toBe(email);
		expect(await remaining()).toBe(9);

		// Spent: the answer a wrong authenticator code gets (the password was right).
		const again = await host.login(email, PASSWORD, { otp: recoveryCodes[0] });
		expect(again.status).toBe(401);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_OTP');
		const wrongPassword = await host.login(email, 'not-the-password', { otp: recoveryCodes[1] });
		expect(wrongPassword.status).toBe(401);
		expect(wrongPassword.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		expect(await remaining()).toBe(9);

		// Typed as people type it: lower case, spaces instead of the dash.
		const typed = recoveryCodes[1]!.toLowerCase().replace('-', ' ');
		const session = await host.login(email, PASSWORD, { otp: typed, mode: 'session' });
		expect(session.status).toBe(200);
		expect(Object.keys(session.body.data)).toEqual(['expires']);
		const cookie = session.headers.get('set-cookie')!;
		expect(cookie).toMatch(/^directus_session_token=[^;]+;.*HttpOnly/i);
		const viaCookie = await host.api('GET', '/users/me', undefined, { headers: { cookie: cookie.split(';')[0]! } });
		expect(viaCookie.status).toBe(200);
		expect(viaCookie.body.data.email).toBe(email);
		expect(await remaining()).toBe(8);

		// GraphQL's auth_login: the same, in the host's GraphQL shape.
		const graphql = (otp: string) =>
			host.api('POST', '/graphql/system', {
				query: 'mutation Login($email: String!, $password: String!, $otp: String) { signIn: auth_login(email: $email, password: $password, otp: $otp) { access_token expires } }',
				variables: { email, password: PASSWORD, otp },
			});
		const viaGraphql = await graphql(recoveryCodes[2]!);
		expect(viaGraphql.status).toBe(200);
		expect(Object.keys(viaGraphql.body.data.signIn)).toEqual(['access_token', 'expires']);
		expect((await host.api('GET', '/users/me', undefined, { token: viaGraphql.body.data.signIn.access_token })).status).toBe(200);
		expect(await remaining()).toBe(7);
		const graphqlAgain = await graphql(recoveryCodes[2]!);
		expect(graphqlAgain.body.data.signIn).toBeNull();
		expect(graphqlAgain.body.errors[0].extensions.code).toBe('INVALID_OTP');

		const { current } = await codes(secret);
		const totp = await host.login(email, PASSWORD, { otp: current });
		expect(totp.status).toBe(200);
		expect(await remaining()).toBe(7);
	});
});
