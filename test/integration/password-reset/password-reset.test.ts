import { createDirectus, passwordRequest, passwordReset, rest } from '@directus/sdk';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKey } from '../../../src/shared/util/crypto.js';
import { availableDatabases, logsContain, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import { RESET_ENV, RESET_URL, STALL } from './profile.js';

const HOST_SECRET = 'test-secret-for-user-lifecycle-please-change';
const NEW_PASSWORD = 'a-brand-new-password';

/** What the Data Studio's reset page does with `?token=`: read the JWT's payload, no key needed. */
const studioPayload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe.each(await availableDatabases())('password reset on %s', (db) => {
	let host: TestHost;
	let role: string;
	const seenSecrets: string[] = [];

	const request = (body: unknown, path = '/user-lifecycle/password/request') => host.api('POST', path, body);
	const reset = (token: unknown, password: unknown, path = '/user-lifecycle/password/reset') => host.api('POST', path, { token, password });
	const graphql = (query: string, variables: Record<string, unknown> = {}) => host.api('POST', '/graphql/system', { query, variables });
	const activeUser = async (email: string, fields: Record<string, unknown> = {}) => host.createUser({ email, password: PASSWORD, role, status: 'active', ...fields });
	/** The token of the `nth` mail to `email` (waits for it). */
	const tokenOf = async (email: string, nth = 1) => {
		const token = await host.mailbox.tokenFor(email, nth);
		seenSecrets.push(token);
		return token;
	};
	const settle = () => new Promise((resolve) => setTimeout(resolve, 1200));
	const expectError = (res: ApiResponse, status: number, code: string) => {
		expect(res.status, res.text).toBe(status);
		expect(res.body.errors[0].extensions.code).toBe(code);
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: RESET_ENV,
		});
		role = await host.createApiRole('Reset users');
		await host.setSettings({ auth_password_policy: '/^.{8,}$/', project_name: 'Reset Project' });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('answers unknown, suspended, inactive and active emails alike (status, body, stall); only the active one gets a mail', async () => {
		const active = 'reset.active@example.com';
		await activeUser(active, { first_name: 'Ada' });
		const others = ['reset.suspended@example.com', 'reset.invited@example.com', 'reset.draft@example.com', 'reset.ldap@example.com'];
		for (const email of others) {
			const id = await activeUser(email);
			const change = email.includes('ldap') ? { provider: 'ldap' } : { status: email.split('.')[1]!.split('@')[0] };
			await host.knex('directus_users').where({ id }).update(change);
		}
		const answers: ApiResponse[] = [];
		for (const email of [active, 'nobody.here@example.com', ...others, active.toUpperCase()]) answers.push(await request({ email }));
		for (const res of answers) {
			expect(res.status).toBe(204);
			expect(res.text).toBe('');
			expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
			expect(res.ms).toBeLessThan(STALL + 2500);
		}
		// the upper-cased address is the same account: two mails, the second link replacing the first
		const mails = await host.mailbox.waitFor(active, 2);
		await settle();
		expect(host.mailbox.to(active)).toHaveLength(2);
		for (const email of ['nobody.here@example.com', ...others]) expect(host.mailbox.to(email)).toHaveLength(0);
		// a user of another provider makes the unlicensed host lock its logins: the fixture goes
		await host.knex('directus_users').where({ email: 'reset.ldap@example.com' }).update({ provider: 'default' });
		const mail = mails[0]!;
		expect(mail.subject).toBe('Password Reset Request');
		expect(mail.links.some((l) => l.startsWith(`${host.url}/admin/reset-password?token=`))).toBe(true);
		// the mail comes from our outbox, sealed at rest and erased once sent
		const rows = await host.knex('user_lifecycle_outbox').where({ recipient: active, kind: 'password-reset' });
		expect(rows).toHaveLength(2);
		const token = await tokenOf(active, 2);
		expect(JSON.stringify(rows)).not.toContain(token);
		// the Data Studio's reset page reads the email out of the token
		const payload = studioPayload(token);
		expect(payload.email).toBe(active);
		expect(payload.scope).toBe('password-reset');
		expect(typeof payload.jti).toBe('string');
		expect(payload.exp - payload.iat).toBe(3600);
		// only a hash of the jti is stored
		const tokenRows = await host.knex('user_lifecycle_tokens').where({ kind: 'password-reset' });
		expect(JSON.stringify(tokenRows)).not.toContain(payload.jti);
	});

	it('a second request kills the first link; a link works once; every session ends; audited', async () => {
		const email = 'reset.once@example.com';
		const id = await activeUser(email);
		const first = await host.login(email, PASSWORD);
		const second = await host.login(email, PASSWORD);
		expect(first.status, first.text).toBe(200);
		expect(Number((await host.knex('directus_sessions').where({ user: id }).count({ n: '*' }).first())!.n)).toBe(2);

		expect((await request({ email, reset_url: RESET_URL })).status).toBe(204);
		const old = await tokenOf(email, 1);
		expect((await host.mailbox.waitFor(email, 1))[0]!.links.some((l) => l.startsWith(`${RESET_URL}?token=`))).toBe(true);
		expect((await request({ email })).status).toBe(204);
		const fresh = await tokenOf(email, 2);
		expect(fresh).not.toBe(old);

		expectError(await reset(old, NEW_PASSWORD), 403, 'INVALID_TOKEN');
		// a password the policy refuses: 400, and the link stays usable
		expectError(await reset(fresh, 'short'), 400, 'PASSWORD_POLICY');
		const before = (await host.userByEmail(email)).password;
		expect((await reset(fresh, NEW_PASSWORD)).status).toBe(204);
		expectError(await reset(fresh, 'yet-another-password'), 403, 'INVALID_TOKEN');

		const user = await host.userByEmail(email);
		expect(user.password).not.toBe(before);
		expect(user.status).toBe('active');
		expect(user.tfa_secret).toBeNull();
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(200);
		for (const login of [first, second]) {
			const refreshed = await host.api('POST', '/auth/refresh', { refresh_token: login.body.data.refresh_token, mode: 'json' });
			expect(refreshed.status).toBeGreaterThanOrEqual(400);
			expect(refreshed.status).toBeLessThan(500);
		}
		const events = await host.knex('user_lifecycle_events').where({ user: id, event: 'password-reset' });
		expect(events).toHaveLength(1);
		expect(events[0].via).toBe('password-reset');
		expect(events[0].actor).toBeNull();
	});

	it('of concurrent uses of one link exactly one wins', async () => {
		const email = 'reset.race@example.com';
		await activeUser(email);
		expect((await request({ email })).status).toBe(204);
		const token = await tokenOf(email);
		const answers = await Promise.all(
			Array.from({ length: 6 }, (_, i) => reset(token, `${NEW_PASSWORD}-${i}`, i % 2 ? '/auth/password/reset' : '/user-lifecycle/password/reset')),
		);
		const statuses = answers.map((res) => res.status).sort();
		expect(statuses, answers.map((res) => res.text).join('\n')).toEqual([204, 403, 403, 403, 403, 403]);
		const winner = answers.findIndex((res) => res.status === 204);
		expect((await host.login(email, `${NEW_PASSWORD}-${winner}`)).status).toBe(200);
	});

	it('two-factor stays as it was', async () => {
		const email = 'reset.tfa@example.com';
		const id = await activeUser(email);
		await host.knex('directus_users').where({ id }).update({ tfa_secret: 'JBSWY3DPEHPK3PXP' });
		expect((await request({ email })).status).toBe(204);
		expect((await reset(await tokenOf(email), NEW_PASSWORD)).status).toBe(204);
		expect((await host.userByEmail(email)).tfa_secret).toBe('JBSWY3DPEHPK3PXP');
		// the host's login still asks for the code
		expectError(await host.login(email, NEW_PASSWORD), 401, 'INVALID_OTP');
	});

	it('seven requests in a row for one address: at most USER_LIFECYCLE_RESET_MAX_PER_HOUR (5) mails, all answered 204; the last mailed link still works', async () => {
		const email = 'reset.bombed@example.com';
		await activeUser(email);
		for (let i = 0; i < 7; i++) expect((await request({ email })).status).toBe(204);
		await host.mailbox.waitFor(email, 5);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(5);
		// the throttled requests revoked nothing: the fifth link is the live one
		expect((await reset(await tokenOf(email, 5), NEW_PASSWORD)).status).toBe(204);
	});

	it('a reset_url off PASSWORD_RESET_URL_ALLOW_LIST is 400 (the host\'s code), alike for known and unknown emails, nothing sent', async () => {
		const email = 'reset.url@example.com';
		await activeUser(email);
		for (const target of [email, 'reset.url.unknown@example.com']) {
			for (const url of ['https://evil.example.net/reset', 'https://app.example.com/other', 'http://app.example.com/reset']) {
				for (const path of ['/user-lifecycle/password/request', '/auth/password/request']) {
					const res = await request({ email: target, reset_url: url }, path);
					expectError(res, 400, 'INVALID_PAYLOAD');
					expect(res.body.errors[0].message).toContain("can't be used to reset passwords");
				}
			}
		}
		// the allow-listed URL with a query of its own is fine (host rules: same origin and path)
		expect((await request({ email, reset_url: `${RESET_URL}?lang=de` })).status).toBe(204);
		await host.mailbox.waitFor(email, 1);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(1);
	});

	it('the host\'s routes answer through the hardened flow; a link the host signed (or any other JWT) is refused', async () => {
		const email = 'reset.native@example.com';
		const id = await activeUser(email);
		expect((await request({ email }, '/auth/password/request')).status).toBe(204);
		const token = await tokenOf(email);
		expect(studioPayload(token).jti).toBeDefined();
		// what the host itself would have mailed: signed with SECRET, scope password-reset
		const user = await host.userByEmail(email);
		const hostSigned = jwt.sign({ email, scope: 'password-reset', hash: String(user.password).slice(0, 10) }, HOST_SECRET, { expiresIn: '1d', issuer: 'directus' });
		expectError(await reset(hostSigned, NEW_PASSWORD, '/auth/password/reset'), 403, 'INVALID_TOKEN');
		// our key, wrong scope (an invite token) or no jti: refused
		const key = deriveKey(HOST_SECRET, 'tokens');
		const invite = jwt.sign({ email, scope: 'invite' }, key, { algorithm: 'HS256', expiresIn: 60, issuer: 'directus', jwtid: 'x'.repeat(43) });
		expectError(await reset(invite, NEW_PASSWORD, '/auth/password/reset'), 403, 'INVALID_TOKEN');
		const noJti = jwt.sign({ email, scope: 'password-reset' }, key, { algorithm: 'HS256', expiresIn: 60, issuer: 'directus' });
		expectError(await reset(noJti, NEW_PASSWORD, '/auth/password/reset'), 403, 'INVALID_TOKEN');
		// an expired one of ours, however well signed: 401
		const expired = jwt.sign({ email, scope: 'password-reset', exp: Math.floor(Date.now() / 1000) - 10 }, key, { algorithm: 'HS256', issuer: 'directus', jwtid: 'y'.repeat(43) });
		expectError(await reset(expired, NEW_PASSWORD, '/auth/password/reset'), 401, 'TOKEN_EXPIRED');

		expect((await reset(token, NEW_PASSWORD, '/auth/password/reset')).status).toBe(204);
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(200);
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'password-reset' })).toHaveLength(1);
	});

	it('a link whose record expired answers 401 TOKEN_EXPIRED; a user suspended since the request can\'t use the link', async () => {
		const email = 'reset.expired@example.com';
		const id = await activeUser(email);
		expect((await request({ email })).status).toBe(204);
		const token = await tokenOf(email);
		await host.knex('user_lifecycle_tokens').where({ user_id: id, kind: 'password-reset' }).update({ expires_at: Date.now() - 1000 });
		expectError(await reset(token, NEW_PASSWORD), 401, 'TOKEN_EXPIRED');

		const other = 'reset.suspended.later@example.com';
		const otherId = await activeUser(other);
		expect((await request({ email: other })).status).toBe(204);
		const link = await tokenOf(other);
		await host.knex('directus_users').where({ id: otherId }).update({ status: 'suspended' });
		expectError(await reset(link, NEW_PASSWORD), 403, 'INVALID_TOKEN');
		expect((await host.userByEmail(other)).status).toBe('suspended');
	});

	it('@directus/sdk: passwordRequest and passwordReset use the hardened flow (our outbox, our token)', async () => {
		const email = 'reset.sdk@example.com';
		const id = await activeUser(email);
		const client = createDirectus(host.url).with(rest());
		await client.request(passwordRequest(email, RESET_URL));
		const token = await tokenOf(email);
		const payload = studioPayload(token);
		expect(payload.jti).toBeDefined();
		expect(() => jwt.verify(token, HOST_SECRET)).toThrow();
		expect(await host.knex('user_lifecycle_outbox').where({ recipient: email, kind: 'password-reset' })).toHaveLength(1);
		await client.request(passwordReset(token, NEW_PASSWORD));
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(200);
		await expect(client.request(passwordReset(token, 'another-new-password'))).rejects.toMatchObject({ errors: [{ extensions: { code: 'INVALID_TOKEN' } }] });
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'password-reset' })).toHaveLength(1);
	});

	it('GraphQL: auth_password_request and auth_password_reset answer true through the same flow, errors in the host\'s GraphQL shape', async () => {
		const email = 'reset.graphql@example.com';
		await activeUser(email);
		const asked = await graphql('mutation R($email: String!, $url: String) { auth_password_request(email: $email, reset_url: $url) }', { email, url: RESET_URL });
		expect(asked.status).toBe(200);
		expect(asked.body).toEqual({ data: { auth_password_request: true } });
		expect(asked.ms).toBeGreaterThanOrEqual(STALL - 5);
		const unknown = await graphql('mutation { auth_password_request(email: "reset.graphql.nobody@example.com") }');
		expect(unknown.body).toEqual({ data: { auth_password_request: true } });
		const badUrl = await graphql('mutation { auth_password_request(email: "reset.graphql@example.com", reset_url: "https://evil.example.net/") }');
		expect(badUrl.body.data.auth_password_request).toBeNull();
		expect(badUrl.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');

		const token = await tokenOf(email);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(1);
		const weak = await graphql('mutation P($t: String!) { auth_password_reset(token: $t, password: "short") }', { t: token });
		expect(weak.body.errors[0].extensions.code).toBe('PASSWORD_POLICY');
		const done = await graphql('mutation P($t: String!, $p: String!) { auth_password_reset(token: $t, password: $p) }', { t: token, p: NEW_PASSWORD });
		expect(done.body).toEqual({ data: { auth_password_reset: true } });
		const again = await graphql('mutation P($t: String!, $p: String!) { auth_password_reset(token: $t, password: $p) }', { t: token, p: NEW_PASSWORD });
		expect(again.body.data.auth_password_reset).toBeNull();
		expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(200);
	});

	it('bad input of every shape on every door: 4xx in the host\'s format, never 5xx, nothing written', async () => {
		const email = 'reset.fuzzy@example.com';
		await activeUser(email);
		const count = async () => {
			const n = async (table: string) => Number((await host.knex(table).count({ n: '*' }).first())!.n);
			// (the throttle's table is left out: the schedule prunes its free slots any minute)
			return { tokens: await n('user_lifecycle_tokens'), outbox: await n('user_lifecycle_outbox'), events: await n('user_lifecycle_events'), users: await n('directus_users') };
		};
		const before = await count();
		const requestBodies: unknown[] = [
			null, [], 'a string', 42, {}, { email: 123 }, { email: null }, { email: ['a@example.com'] }, { email: { _eq: email } },
			{ email: 'not-an-email' }, { email: `${'x'.repeat(300)}@example.com` }, { email: 'nul\u0000@example.com' }, { email: '' },
			{ email, reset_url: 'javascript:alert(1)' }, { email, reset_url: 42 }, { email, reset_url: ['https://app.example.com/reset'] },
			{ email, reset_url: 'https://evil.example.net/' }, { email, extra: true }, { email, reset_url: `https://app.example.com/${'r'.repeat(3000)}` },
		];
		const resetBodies: unknown[] = [
			null, [], 'x', {}, { token: 'abc' }, { password: NEW_PASSWORD }, { token: 1, password: NEW_PASSWORD }, { token: 'a.b.c', password: NEW_PASSWORD },
			{ token: 'x'.repeat(5000), password: NEW_PASSWORD }, { token: 'eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImEifQ.', password: NEW_PASSWORD },
			{ token: 'abc', password: '' }, { token: 'abc', password: { a: 1 } }, { token: 'abc', password: 'pass\u0000word-long' }, { token: ['abc'], password: NEW_PASSWORD },
			{ token: 'abc', password: NEW_PASSWORD, email },
		];
		const check = (res: ApiResponse, what: string) => {
			expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
			expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
			expect(typeof res.body.errors[0].extensions.code, what).toBe('string');
		};
		// Sent together (each answers after the stall): refused requests write nothing, so their order is moot.
		const sends: Promise<void>[] = [];
		const send = (path: string, body: unknown, what: string, raw?: string) => sends.push(host.api('POST', path, body, raw === undefined ? {} : { raw }).then((res) => check(res, what)));
		for (const path of ['/user-lifecycle/password/request', '/auth/password/request']) {
			for (const body of requestBodies) send(path, body, `${path} ${JSON.stringify(body)}`);
			send(path, undefined, `${path} broken JSON`, '{"email":');
		}
		for (const path of ['/user-lifecycle/password/reset', '/auth/password/reset']) {
			for (const body of resetBodies) send(path, body, `${path} ${JSON.stringify(body)}`);
			send(path, undefined, `${path} broken JSON`, '[[[');
		}
		await Promise.all(sends);
		const gql = [
			['mutation { auth_password_request(email: 5) }', {}],
			['mutation { auth_password_request(email: "not-an-email") }', {}],
			['mutation R($e: String!) { auth_password_request(email: $e) }', { e: `${'y'.repeat(400)}@example.com` }],
			['mutation { auth_password_reset(token: "abc", password: "a-long-password") }', {}],
			['mutation { auth_password_reset(token: "", password: "") }', {}],
		] as const;
		for (const [query, variables] of gql) {
			const res = await graphql(query, variables);
			expect(res.status, `${query}: ${res.text}`).toBeLessThan(500);
			expect(res.body.errors?.length ?? 0, `${query}: ${res.text}`).toBeGreaterThan(0);
			expect(res.body.data?.auth_password_request ?? res.body.data?.auth_password_reset ?? null).toBeNull();
		}
		await settle();
		expect(await count()).toEqual(before);
		expect(host.mailbox.to(email)).toHaveLength(0);
	});

	it('no token or password ever reaches the log', async () => {
		for (const secret of [...seenSecrets, NEW_PASSWORD]) expect(logsContain(host, secret)).toBe(false);
		for (const secret of seenSecrets) expect(logsContain(host, studioPayload(secret).jti)).toBe(false);
	});
});
