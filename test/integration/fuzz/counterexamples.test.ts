// Shrunk counterexamples of the fuzzing suite (routes.fuzz.test.ts), as example-based tests.
//
// >>> These tests FAIL until the bugs they show are fixed in src/ (found by the fuzz; reported to
// >>> the lead). Each names the fuzz property that found it and the shrunk request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { FUZZ_ENV } from './fixture.js';

const dbs = (await availableDatabases()).filter((db) => db === 'sqlite' || db === 'postgres');

/** `call` inside `depth` inline fragments (`... on Mutation { ... }`), a valid GraphQL document. */
const nested = (call: string, depth: number) => `mutation { ${'... on Mutation { '.repeat(depth)}${call}${' }'.repeat(depth)} }`;

describe.each(dbs)('fuzz counterexamples on %s', (db) => {
	let host: TestHost;
	let role: string;
	let target: string;
	let apiToken: string;

	beforeAll(async () => {
		// The fuzz's own profile (its registration limiter on, as in production): one host for both files.
		host = await startTestHost({ db, env: FUZZ_ENV });
		role = await host.createApiRole('Counterexample users');
		const registered = await host.createApiRole('Counterexample registered');
		// Without email verification the host's own registration creates `active` users, which the
		// transition table allows: only the hardened flow stands between a denied domain and an account.
		await host.setSettings({ public_registration: true, public_registration_verify_email: false, public_registration_role: registered });
		target = await host.createUser({ email: 'cx.target@example.com', password: PASSWORD, role, status: 'active' });
		apiToken = (await host.createApiUser(role, 'cx.api@example.com')).token;
	});

	afterAll(async () => {
		await host?.stop();
	});

	const expectHostError = (res: { status: number; body: any; text: string }, what: string) => {
		expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
		expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
		expect(typeof res.body?.errors?.[0]?.extensions?.code, `${what}: ${res.text}`).toBe('string');
	};

	// BUG (fuzz: "POST /user-lifecycle/users/:id/status", "GET /user-lifecycle/users/:id/events",
	// "POST /user-lifecycle/users/:id/tfa/reset"; KNOWN_BUGS id undecodable-user-id-500). Shrunk:
	//   anonymous POST /user-lifecycle/users/%/status {"status":"draft","reason":"","until":"9999-12-31T23:59:59Z"}
	//   -> 500 INTERNAL_SERVER_ERROR (admins see "Failed to decode param '%'")
	// Express fails to decode the `:id` parameter before our handler runs; the error reaches the
	// host's error handler as an unknown error: 500. Bad input must answer 4xx.
	it('a user id that is not valid percent-encoding answers 400, not 500', async () => {
		const before = await host.userCount();
		for (const id of ['%', '%zz', '%E0%A4%A', '%FF', '%C0%AE', '%ED%A0%80']) {
			for (const token of [null, host.adminToken, apiToken]) {
				const who = token === null ? 'anonymous' : token === host.adminToken ? 'admin' : 'api user';
				expectHostError(await host.api('POST', `/user-lifecycle/users/${id}/status`, { status: 'draft', reason: '', until: '9999-12-31T23:59:59Z' }, { token }), `${who} status ${id}`);
				expectHostError(await host.api('GET', `/user-lifecycle/users/${id}/events`, undefined, { token }), `${who} events ${id}`);
				expectHostError(await host.api('POST', `/user-lifecycle/users/${id}/tfa/reset`, {}, { token }), `${who} tfa reset ${id}`);
			}
		}
		expect(await host.userCount()).toBe(before);
		expect((await host.knex('directus_users').select('status').where({ id: target }).first()).status).toBe('active');
	});

	// BUG (fuzz with CI=true, seed 20260546: "PATCH /user-lifecycle/passkeys/:id"). Shrunk:
	//   inviter PATCH /user-lifecycle/passkeys/<uuid>?deep=null {} -> 500 INTERNAL_SERVER_ERROR
	// The host's query middleware, which runs before every router, calls Object.entries(null) on
	// `deep=null` (and fails alike on `aggregate=null`, `meta[a]=b`, `fields[0][a]=b`, ...): the host
	// answers 500 on each of its own routes too. Ours answer 400 INVALID_QUERY on every route.
	it("a query string the host's reader fails on answers 400 INVALID_QUERY on our routes and the host's, and changes nothing", async () => {
		const before = await host.userCount();
		const queries = ['deep=null', 'aggregate=null', 'aggregate=abc', 'meta[a]=b', 'fields[0][a]=b', 'sort[0][a]=b', 'groupBy[0][a]=b'];
		const routes: [string, string, unknown][] = [
			['PATCH', '/user-lifecycle/passkeys/00000000-0000-1000-8000-000000000000', {}],
			['GET', '/user-lifecycle/sessions', undefined],
			['POST', '/user-lifecycle/register', { email: 'cx.query@example.com', password: PASSWORD }],
			['GET', '/users/me', undefined],
			['POST', '/auth/login', { email: 'cx.target@example.com', password: PASSWORD }],
			['POST', '/graphql/system', { query: '{ users_me { id } }' }],
		];
		for (const query of queries) {
			for (const [method, path, body] of routes) {
				for (const token of [null, host.adminToken, apiToken]) {
					const res = await host.api(method as 'GET', `${path}?${query}`, body, { token });
					expectHostError(res, `${method} ${path}?${query}`);
					expect(res.body.errors[0].extensions.code, `${method} ${path}?${query}`).toBe('INVALID_QUERY');
				}
			}
		}
		// A readable query still reaches the routes.
		expect((await host.api('GET', '/users/me?fields=id', undefined, { token: apiToken })).status).toBe(200);
		expect(await host.userCount()).toBe(before);
		expect(host.mailbox.to('cx.query@example.com')).toHaveLength(0);
	});

	// BUG (fuzz: "GraphQL: a mutation wrapped in fragments ... gets the answer it gets written
	// plainly"). Shrunk:
	//   anonymous POST /graphql/system {"query":"mutation { users_me_tfa_generate(password: \"admin-password-1\") { secret otpauth_url } }"}
	//     -> 200 errors INVALID_CREDENTIALS (our flow)
	//   the same field inside 19 (from 11 on) `... on Mutation { }` -> 200 {"data":{"users_me_tfa_generate":null}} (the host's resolver)
	// src/shared/graphql.ts `ourFields` stops collecting fields below 10 levels of fragments; a
	// document whose only fields sit deeper has "none of ours" and goes on to the host's own
	// resolvers: the hardened flows (registration rules, stall, pending TFA secret, OTP replay and
	// lockout) are skipped. The guard still refuses the host's tfa_secret writes and invited /
	// unverified users, but not an `active` registration — hence the first test.
	it('GraphQL users_register nested in 11 inline fragments is still the hardened flow: a denied domain stays denied', async () => {
		const plain = await host.api('POST', '/graphql/system', { query: nested('users_register(email: "plain@deny.example.com", password: "a-long-password")', 0) });
		expect(plain.body.errors?.[0]?.extensions?.code, plain.text).toBe('FORBIDDEN');

		const email = 'nested@deny.example.com';
		const res = await host.api('POST', '/graphql/system', { query: nested(`users_register(email: "${email}", password: "a-long-password")`, 11) });
		// Our answer (FORBIDDEN), or the whole document refused as too deep: both are fine.
		expect(['FORBIDDEN', 'GRAPHQL_VALIDATION'], res.text).toContain(res.body?.errors?.[0]?.extensions?.code);
		expect(await host.userByEmail(email), 'a user was registered through the host resolver despite the deny rule').toBeUndefined();
	});

	it('GraphQL users_me_tfa_generate nested in 11 inline fragments is answered by the hardened flow, not the host resolver', async () => {
		const call = `users_me_tfa_generate(password: "${PASSWORD}") { secret otpauth_url }`;
		const anonymous = await host.api('POST', '/graphql/system', { query: nested(call, 11) });
		expect(['INVALID_CREDENTIALS', 'GRAPHQL_VALIDATION'], anonymous.text).toContain(anonymous.body?.errors?.[0]?.extensions?.code);

		const { id, token } = await host.createApiUser(role, 'cx.tfa@example.com');
		const res = await host.api('POST', '/graphql/system', { query: nested(call, 11) }, { token });
		if (res.body?.errors) {
			expect(res.body.errors[0].extensions.code, res.text).toBe('GRAPHQL_VALIDATION');
		} else {
			// Ours keeps the secret it handed out as the user's pending secret (the host's keeps nothing).
			const pending = await host.knex('user_lifecycle_tfa_pending_secrets').where({ user_id: id }).count({ n: '*' }).first();
			expect(Number(pending!.n), `the host resolver answered: ${res.text}`).toBe(1);
		}
	});
	// Fuzz ("DELETE /user-lifecycle/sessions/:id", seed 20260521), shrunk:
	//   anonymous DELETE /user-lifecycle/sessions/<uuid>?access_token=%00%00... {}
	//   -> 500 on PostgreSQL: the host takes a non-JWT token for a static token and looks it up;
	//      a NUL byte fails that query itself, on every route. Now 401 INVALID_CREDENTIALS, as for
	//      any unknown token, before the host reads it.
	it('an access token with a NUL byte (query, or session cookie) is an unknown token, not a 500', async () => {
		for (const path of ['/server/ping', '/users/me', `/user-lifecycle/sessions/${target}`, '/items/directus_users']) {
			const res = await host.api('GET', `${path}?access_token=${'%00'.repeat(40)}`);
			expect(res.status, `${path}: ${res.text}`).toBe(401);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		}
		const cookie = await host.api('GET', '/users/me', undefined, { headers: { cookie: `directus_session_token=${'%00'.repeat(8)}abc` } });
		expect(cookie.status, cookie.text).toBe(401);
		// A readable unknown token still gets the host's own answer.
		const unknown = await host.api('GET', '/users/me?access_token=not-a-token');
		expect(unknown.status, unknown.text).toBe(401);
	});
});
