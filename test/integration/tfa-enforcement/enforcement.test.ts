// Two-factor enforced on the whole API (host policies' `enforce_tfa`): through a (parent) role or
// a policy attached to the user, only set-up gets through until two-factor is on; static tokens
// exempt unless configured; nobody turns their own two-factor off while it is enforced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { codes, enableTfa } from '../two-factor/helpers.js';

const refusedForTfa = (res: { status: number; body: any }) => {
	expect(res.status).toBe(403);
	expect(res.body.errors[0].extensions.code).toBe('TFA_REQUIRED');
};

describe.each(await availableDatabases())('two-factor enforcement on %s', (db) => {
	let host: TestHost;
	/** An `enforce_tfa` policy without app access (takes no licence seat). */
	let enforcing: string;
	let readers: string;

	beforeAll(async () => {
		host = await startTestHost({ db, env: { PRESSURE_LIMITER_ENABLED: 'false', LOGIN_STALL_TIME: '50' }, exclusive: true });
		const policy = await host.admin('POST', '/policies', { name: 'Must use 2FA', app_access: false, admin_access: false, enforce_tfa: true });
		expect(policy.status).toBe(200);
		enforcing = policy.body.data.id;
		readers = await host.createApiRole('Readers', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
	});

	afterAll(async () => {
		await host?.stop();
	});

	const graphqlUsers = (token: string) => host.api('POST', '/graphql/system', { query: '{ users { id } }' }, { token });

	it('a parent role enforces it: data refused, set-up and the Data Studio start-up let through, then everything works', async () => {
		const parent = await host.admin('POST', '/roles', { name: 'Enforced parent', policies: [{ policy: enforcing }] });
		const child = await host.admin('POST', '/roles', { name: 'Enforced child', parent: parent.body.data.id });
		expect(child.status).toBe(200);
		// The child role reads users through its own policy; the parent's policy enforces two-factor.
		const readPolicy = (await host.admin('GET', `/access?filter[role][_eq]=${readers}&fields=policy`)).body.data[0].policy;
		expect((await host.admin('POST', '/access', { role: child.body.data.id, policy: readPolicy })).status).toBe(200);
		const { token } = await host.createApiUser(child.body.data.id, 'enforced.role@example.com');

		refusedForTfa(await host.api('GET', '/users', undefined, { token }));
		refusedForTfa(await host.api('GET', '/users/me?fields=role.users.email', undefined, { token }));
		refusedForTfa(await host.api('PATCH', '/users/me', { first_name: 'X' }, { token }));
		refusedForTfa(await graphqlUsers(token));
		refusedForTfa(await host.api('POST', '/graphql', { query: '{ __typename }' }, { token }));
		refusedForTfa(await host.api('GET', '/USERS/', undefined, { token }));
		// The schema the user may reach waits for two-factor too (the set-up needs none of it).
		refusedForTfa(await host.api('GET', '/server/specs/oas', undefined, { token }));
		refusedForTfa(await host.api('GET', '//server//specs/graphql/system', undefined, { token }));
		const me = await host.api('GET', '/users/me', undefined, { token });
		expect(me.status).toBe(200);
		expect(me.body.data.email).toBe('enforced.role@example.com');
		for (const path of ['/server/info', '/policies/me/globals', '/roles/me?fields[]=id', '/permissions/me', '/user-lifecycle/tfa']) {
			expect((await host.api('GET', path, undefined, { token })).status, path).toBe(200);
		}
		expect((await host.api('GET', '/auth?sessionOnly', undefined, { token })).status).toBe(200);

		await enableTfa(host, token);
		const users = await host.api('GET', '/users', undefined, { token });
		expect(users.status).toBe(200);
		expect(users.body.data.length).toBeGreaterThan(1);
		expect((await graphqlUsers(token)).status).toBe(200);
	});

	it('a policy attached to the user enforces it; set-up through the host routes', async () => {
		const { id, token } = await host.createApiUser(readers, 'enforced.direct@example.com');
		expect((await host.api('GET', '/users', undefined, { token })).status).toBe(200);
		expect((await host.admin('POST', '/access', { user: id, policy: enforcing })).status).toBe(200);
		refusedForTfa(await host.api('GET', '/users', undefined, { token }));
		refusedForTfa(await host.api('GET', `/users/${id}`, undefined, { token }));
		// Nothing was written by the refused update.
		refusedForTfa(await host.api('PATCH', `/users/${id}`, { first_name: 'Changed' }, { token }));
		expect((await host.knex('directus_users').where({ id }).first()).first_name).toBeNull();

		const generated = await host.api('POST', '/users/me/tfa/generate', { password: PASSWORD }, { token });
		expect(generated.status).toBe(200);
		const { secret } = generated.body.data;
		const { previous } = await codes(secret);
		expect((await host.api('POST', '/users/me/tfa/enable', { secret, otp: previous }, { token })).status).toBe(204);
		expect((await host.api('GET', '/users', undefined, { token })).status).toBe(200);
	});

	it('static tokens are exempt by default', async () => {
		const { id, token } = await host.createApiUser(readers, 'enforced.static@example.com');
		const staticToken = 'enforced-static-token-0123456789abcdef';
		expect((await host.admin('PATCH', `/users/${id}`, { token: staticToken })).status).toBe(200);
		expect((await host.admin('POST', '/access', { user: id, policy: enforcing })).status).toBe(200);
		refusedForTfa(await host.api('GET', '/users', undefined, { token }));
		expect((await host.api('GET', '/users', undefined, { token: staticToken })).status).toBe(200);
	});

	it("nobody turns off their own two-factor while it is enforced, whatever the door", async () => {
		const { id, token } = await host.createApiUser(readers, 'enforced.keep@example.com');
		const { secret, recoveryCodes } = await enableTfa(host, token);
		const access = await host.admin('POST', '/access', { user: id, policy: enforcing });
		expect(access.status).toBe(200);
		const enforcedRefusal = (res: { status: number; body: any }) => {
			expect(res.status).toBe(403);
			expect(res.body.errors[0].extensions.code).toBe('TFA_ENFORCED');
		};
		const { current } = await codes(secret);
		enforcedRefusal(await host.api('POST', '/user-lifecycle/tfa/disable', { otp: current }, { token }));
		enforcedRefusal(await host.api('POST', '/user-lifecycle/tfa/disable', { recovery_code: recoveryCodes[0] }, { token }));
		enforcedRefusal(await host.api('POST', '/users/me/tfa/disable', { otp: current }, { token }));
		enforcedRefusal(await host.api('PATCH', '/users/me', { tfa_secret: null }, { token }));
		enforcedRefusal(await host.api('PATCH', `/users/${id}`, { tfa_secret: null }, { token }));
		const graphql = await host.api('POST', '/graphql/system', { query: `mutation { users_me_tfa_disable(otp: "${current}") }` }, { token });
		expect(graphql.body.errors[0].extensions.code).toBe('TFA_ENFORCED');
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);
		// The refusals spent nothing: all ten codes are left.
		expect((await host.api('GET', '/user-lifecycle/tfa', undefined, { token })).body.data.recovery_codes_remaining).toBe(10);

		// Not enforced any more: the same door opens.
		expect((await host.admin('DELETE', `/access/${access.body.data.id}`)).status).toBe(204);
		expect((await host.api('POST', '/user-lifecycle/tfa/disable', { otp: current }, { token })).status).toBe(204);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
	});

	it("an admin can't reset their own two-factor while enforced, but still resets others'", async () => {
		const adminPolicy = await host.admin('POST', '/policies', { name: 'Second admin', app_access: true, admin_access: true });
		const adminRole = await host.admin('POST', '/roles', { name: 'Second admins', policies: [{ policy: adminPolicy.body.data.id }] });
		const { id, token } = await host.createApiUser(adminRole.body.data.id, 'enforced.admin@example.com');
		expect((await host.admin('POST', '/access', { user: id, policy: enforcing })).status).toBe(200);
		refusedForTfa(await host.api('GET', '/users', undefined, { token }));
		const { secret } = await enableTfa(host, token);
		expect((await host.api('GET', '/users', undefined, { token })).status).toBe(200);

		for (const path of [`/users/${id}/tfa/disable`, `/user-lifecycle/users/${id}/tfa/reset`]) {
			const res = await host.api('POST', path, {}, { token });
			expect(res.status, path).toBe(403);
			expect(res.body.errors[0].extensions.code).toBe('TFA_ENFORCED');
		}
		const { current } = await codes(secret);
		expect((await host.api('POST', '/users/me/tfa/disable', { otp: current }, { token })).status).toBe(403);
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);

		const other = await host.createApiUser(readers, 'enforced.other@example.com');
		await enableTfa(host, other.token);
		expect((await host.api('POST', `/users/${other.id}/tfa/disable`, {}, { token })).status).toBe(204);
		expect((await host.knex('directus_users').where({ id: other.id }).first()).tfa_secret).toBeNull();
	});

	it('the knobs: static tokens enforced when asked; enforcement off when asked', async () => {
		const { id, token } = await host.createApiUser(readers, 'enforced.knobs@example.com');
		const staticToken = 'enforced-knobs-token-0123456789abcdef';
		expect((await host.admin('PATCH', `/users/${id}`, { token: staticToken })).status).toBe(200);
		expect((await host.admin('POST', '/access', { user: id, policy: enforcing })).status).toBe(200);

		await host.restart({ USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS: 'true' });
		refusedForTfa(await host.api('GET', '/users', undefined, { token: staticToken }));
		expect((await host.api('GET', '/users/me', undefined, { token: staticToken })).status).toBe(200);

		await host.restart({ USER_LIFECYCLE_ENFORCE_TFA: 'false' });
		expect((await host.api('GET', '/users', undefined, { token })).status).toBe(200);
		expect((await host.api('GET', '/users', undefined, { token: staticToken })).status).toBe(200);
	}, 300_000);
});
