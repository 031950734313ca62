// A door is whatever path the host's router answers, not a string: doubled slashes, a trailing
// slash, another case, and any path under /graphql/system reach the host's handlers. Each variant
// must meet the hardened flow: the per-address throttle, our single-use links (every mail through
// our outbox), the audit trail — and never a 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { RESET_ENV } from './profile.js';

const MAX_PER_HOUR = 5;

describe.each(await availableDatabases())('path variants of the host routes we serve, on %s', (db) => {
	let host: TestHost;
	let role: string;
	const outboxRowsFor = async (email: string) => Number((await host.knex('user_lifecycle_outbox').where({ recipient: email }).count({ n: '*' }).first())!.n);
	const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

	beforeAll(async () => {
		// The password reset suite's profile: its host is shared.
		host = await startTestHost({
			db,
			env: RESET_ENV,
		});
		role = await host.createApiRole('Variant users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('reset requests on every REST variant share the per-address throttle, and every mail is ours', async () => {
		const email = 'variants.rest@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const paths = ['//auth/password/request', '/auth//password/request', '/auth/password/request/', '/AUTH/Password/Request', '//auth//password//request//', '/auth/password/request', '//user-lifecycle//password/request'];
		for (const path of paths) {
			const res = await host.api('POST', path, { email });
			expect(res.status, `${path}: ${res.text}`).toBe(204);
		}
		await host.mailbox.waitFor(email, MAX_PER_HOUR);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(MAX_PER_HOUR);
		// No host-sent mail slipped by: each one went through our outbox.
		expect(await outboxRowsFor(email)).toBe(host.mailbox.to(email).length);
	});

	it('a reset through a variant path spends our link once, and the older links are dead', async () => {
		const email = 'variants.reset@example.com';
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		await host.api('POST', '//auth//password/request', { email });
		await host.api('POST', '/auth/password/request/', { email });
		const older = await host.mailbox.tokenFor(email, 1);
		const newest = await host.mailbox.tokenFor(email, 2);
		const refused = await host.api('POST', '/auth//password/reset', { token: older, password: 'a-new-password-1' });
		expect(refused.status, refused.text).toBe(403);
		const done = await host.api('POST', '//auth/password/reset/', { token: newest, password: 'a-new-password-2' });
		expect(done.status, done.text).toBe(204);
		expect((await host.api('POST', '/AUTH/password/RESET', { token: newest, password: 'a-new-password-3' })).status).toBe(403);
		expect((await host.login(email, 'a-new-password-2')).status).toBe(200);
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'password-reset' })).toHaveLength(1);
	});

	it('GraphQL under /graphql/system/<anything> meets the same flow: throttled, ours, never a 5xx', async () => {
		const email = 'variants.graphql@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const query = 'mutation ($email: String!) { auth_password_request(email: $email) }';
		const paths = ['/graphql/system/anything', '/graphql/system/x/y', '//graphql//system', '/GRAPHQL/SYSTEM/', '/graphql/system/', '/graphql/system/z', '/graphql/system'];
		for (const path of paths) {
			const res = await host.api('POST', path, { query, variables: { email } });
			expect(res.status, `${path}: ${res.text}`).toBe(200);
			expect(res.body.data?.auth_password_request, `${path}: ${res.text}`).toBe(true);
		}
		await host.mailbox.waitFor(email, MAX_PER_HOUR);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(MAX_PER_HOUR);
		expect(await outboxRowsFor(email)).toBe(MAX_PER_HOUR);
		// The host's own users_register on a sub-path crashed it (its limiter off): ours answers.
		const register = await host.api('POST', '/graphql/system/anything', { query: 'mutation { users_register(email: "variants.reg@example.com", password: "a-long-password") }' });
		expect(register.status, register.text).toBeLessThan(500);
		expect(register.text).not.toMatch(/INTERNAL_SERVER_ERROR/);
	});
});
