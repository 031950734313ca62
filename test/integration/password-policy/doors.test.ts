// The password policy on every door where a password is set, each attacked with a password the
// policy refuses: registration (ours, the host's REST, GraphQL), invite accept (ours, the host's,
// GraphQL), reset (ours, the host's, GraphQL), a user's own change (PATCH /users/me and
// /users/:own-id, GraphQL update_users_me), an admin's create and update (REST one, many and batch,
// GraphQL), a Flow's Create/Update Data, and another extension's UsersService and ItemsService.
// Each refusal is 400 PASSWORD_POLICY naming the rule, and writes nothing; the same door then
// takes a good password.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { createAppRole, expectRefused, GOOD, startPolicyHost, WEAK } from './profile.js';

describe.each(await availableDatabases())('the password policy on every door, on %s', (db) => {
	let host: TestHost;
	let role: string;
	let seq = 0;
	const newEmail = (name = 'door') => `${name}.${++seq}.${randomUUID().slice(0, 6)}@policy.example.com`;
	const gql = (query: string, variables: Record<string, unknown> = {}, token: string | null = null) => host.api('POST', '/graphql/system', { query, variables }, { token });
	const passwordOf = async (id: string) => (await host.knex('directus_users').select('password').where({ id }).first()).password as string | null;
	/** A link's three doors (ours, the host's REST route, its GraphQL mutation), each taking `{ token, password }`. */
	const linkDoors = (ours: string, hosts: string, mutation: string) => ({
		ours: (token: string, password: string) => host.api('POST', ours, { token, password }),
		"the host's REST": (token: string, password: string) => host.api('POST', hosts, { token, password }),
		"the host's GraphQL": (token: string, password: string) => gql(`mutation L($token: String!, $password: String!) { ${mutation}(token: $token, password: $password) }`, { token, password }),
	});
	const activeUser = async (fields: Record<string, unknown> = {}) => {
		const email = newEmail();
		const { id, token } = await host.createApiUser(role, email, fields);
		return { id, token, email };
	};

	beforeAll(async () => {
		host = await startPolicyHost(startTestHost, db);
		role = await host.createApiRole('Policy users');
		await host.setSettings({ public_registration_role: role });
	});

	afterAll(async () => {
		await host?.stop();
	});

	describe('registration', () => {
		const doors = {
			ours: (body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/register', body),
			"the host's REST": (body: Record<string, unknown>) => host.api('POST', '/users/register', body),
			"the host's GraphQL": (body: Record<string, unknown>) =>
				gql('mutation R($email: String!, $password: String!, $first_name: String) { users_register(email: $email, password: $password, first_name: $first_name) }', body),
		};

		it.each(Object.keys(doors))('%s: every rule refuses, nothing is created; a good password registers', async (door) => {
			const register = doors[door as keyof typeof doors];
			for (const weak of Object.values(WEAK)) {
				const email = newEmail('reg');
				expectRefused(await register({ email, password: weak.password }), weak.rule, weak.message);
				expect(await host.userByEmail(email)).toBeUndefined();
			}
			const email = newEmail('zephyrine');
			expectRefused(await register({ email, password: 'plinth-zephyrine' }), 'context', "Password must not contain the email address's name");
			expectRefused(await register({ email, password: 'plinth-Quimby-42', first_name: 'Quimby' }), 'context', "Password must not contain the user's first name");
			expect(await host.userByEmail(email)).toBeUndefined();
			const good = await register({ email, password: GOOD, first_name: 'Quimby' });
			expect(good.status, good.text).toBeLessThan(300);
			expect((await host.userByEmail(email)).status).toBe('unverified');
		});
	});

	describe('invite accept', () => {
		const invited = async (fields: Record<string, unknown> = {}) => {
			const email = newEmail('invitee');
			const res = await host.admin('POST', '/user-lifecycle/invite', { email: [email], role });
			expect(res.status, res.text).toBe(200);
			const user = await host.userByEmail(email);
			if (Object.keys(fields).length > 0) await host.knex('directus_users').where({ id: user.id }).update(fields);
			return { email, id: user.id as string, token: await host.mailbox.tokenFor(email) };
		};
		const doors = linkDoors('/user-lifecycle/invite/accept', '/users/invite/accept', 'users_invite_accept');

		it.each(Object.keys(doors))('%s: refused passwords leave the user invited and the link unspent; the same link then works', async (door) => {
			const accept = doors[door as keyof typeof doors];
			// The invited user's name, set by an admin, is only known once the link is looked up.
			const invitee = await invited({ last_name: 'Vandermeer' });
			for (const weak of [WEAK.common, WEAK.short, WEAK.host, WEAK.listed]) expectRefused(await accept(invitee.token, weak.password), weak.rule);
			expectRefused(await accept(invitee.token, 'plinth-vandermeer'), 'context', "Password must not contain the user's last name");
			expect(await host.userByEmail(invitee.email)).toMatchObject({ status: 'invited', password: null });
			const good = await accept(invitee.token, GOOD);
			expect(good.status, good.text).toBeLessThan(300);
			expect(good.body?.errors).toBeUndefined();
			expect((await host.userByEmail(invitee.email)).status).toBe('active');
			expect((await host.login(invitee.email, GOOD)).status).toBe(200);
		});
	});

	describe('password reset', () => {
		const doors = linkDoors('/user-lifecycle/password/reset', '/auth/password/reset', 'auth_password_reset');

		it.each(Object.keys(doors))('%s: refused passwords leave the old password and the link; the same link then works', async (door) => {
			const reset = doors[door as keyof typeof doors];
			const user = await activeUser({ first_name: 'Persephone' });
			expect((await host.api('POST', '/user-lifecycle/password/request', { email: user.email })).status).toBe(204);
			const token = await host.mailbox.tokenFor(user.email);
			const before = await passwordOf(user.id);
			for (const weak of [WEAK.common, WEAK.long, WEAK.project, WEAK.host]) expectRefused(await reset(token, weak.password), weak.rule);
			// The first name comes from the account, checked as the password is written (the spend rolls back).
			expectRefused(await reset(token, 'plinth-persephone'), 'context', "Password must not contain the user's first name");
			expect(await passwordOf(user.id)).toBe(before);
			expect((await host.login(user.email, PASSWORD)).status).toBe(200);
			const good = await reset(token, GOOD);
			expect(good.status, good.text).toBeLessThan(300);
			expect(good.body?.errors).toBeUndefined();
			expect((await host.login(user.email, GOOD)).status).toBe(200);
		});
	});

	describe("a user's own change", () => {
		// One Data Studio user (the host's own permissions let them change their own password), one seat.
		let user: { id: string; token: string; email: string };
		beforeAll(async () => {
			const appRole = await createAppRole(host, 'Policy app users');
			user = await activeUser({ role: appRole, last_name: 'Okonkwo' });
		});
		afterAll(async () => {
			await host.knex('directus_users').where({ id: user.id }).update({ status: 'suspended' });
		});
		const doors = {
			'PATCH /users/me': (user: { id: string; token: string }, data: Record<string, unknown>) => host.api('PATCH', '/users/me', data, { token: user.token }),
			'PATCH /users/:own-id': (user: { id: string; token: string }, data: Record<string, unknown>) => host.api('PATCH', `/users/${user.id}`, data, { token: user.token }),
			'GraphQL update_users_me': (user: { id: string; token: string }, data: Record<string, unknown>) =>
				gql('mutation M($data: update_directus_users_input!) { update_users_me(data: $data) { id } }', { data }, user.token),
		};

		it.each(Object.keys(doors))('%s: refused, nothing written; a good one is set', async (door) => {
			const change = doors[door as keyof typeof doors];
			const before = await passwordOf(user.id);
			for (const weak of Object.values(WEAK)) expectRefused(await change(user, { password: weak.password }), weak.rule, weak.message);
			expectRefused(await change(user, { password: 'plinth-okonkwo' }), 'context', "Password must not contain the user's last name");
			// The names the write leaves count: a new first name, and the password that contains it, together.
			expectRefused(await change(user, { first_name: 'Thaddeus', password: 'plinth-thaddeus' }), 'context', "Password must not contain the user's first name");
			expect(await passwordOf(user.id)).toBe(before);
			expect((await host.knex('directus_users').select('first_name').where({ id: user.id }).first()).first_name).toBeNull();
			const good = await change(user, { password: GOOD });
			expect(good.status, good.text).toBe(200);
			expect(good.body.errors).toBeUndefined();
			expect((await host.login(user.email, GOOD)).status).toBe(200);
		});

		it('256 characters are taken byte-exact, not normalised', async () => {
			const longest = `${'ﬁ'.repeat(128)}`; // 128 ligatures, 256 code points after NFKC
			expect((await host.api('PATCH', '/users/me', { password: longest }, { token: user.token })).status).toBe(200);
			expect((await host.login(user.email, longest)).status).toBe(200);
			expect((await host.login(user.email, 'fi'.repeat(128))).status).toBe(401); // hashed as sent, not normalised
			expectRefused(await host.api('PATCH', '/users/me', { password: `${longest}x` }, { token: user.token }), 'max-length');
		});
	});

	describe("an admin's writes", () => {
		it('REST: POST /users (one and many), PATCH /users/:id, PATCH /users (keys and batch)', async () => {
			const email = newEmail();
			expectRefused(await host.admin('POST', '/users', { email, password: WEAK.common.password, role }), 'common');
			expectRefused(await host.admin('POST', '/users', [{ email, password: GOOD, role }, { email: newEmail(), password: WEAK.listed.password, role }]), 'project-list');
			expectRefused(await host.admin('POST', '/users', { email, password: 'plinth-Marguerite', first_name: 'Marguerite', role }), 'context');
			expect(await host.userByEmail(email)).toBeUndefined();

			const a = await activeUser({ first_name: 'Ignatius' });
			const b = await activeUser({ last_name: 'Fairweather' });
			const before = [await passwordOf(a.id), await passwordOf(b.id)];
			expectRefused(await host.admin('PATCH', `/users/${a.id}`, { password: WEAK.short.password }), 'min-length');
			expectRefused(await host.admin('PATCH', `/users/${a.id}`, { password: 'plinth-ignatius' }), 'context');
			// Many users, one password: every owner's words count.
			expectRefused(await host.admin('PATCH', '/users', { keys: [a.id, b.id], data: { password: 'fairweather-plinth' } }), 'context');
			expectRefused(await host.admin('PATCH', '/users', [{ id: a.id, password: GOOD }, { id: b.id, password: WEAK.host.password }]), 'host-policy');
			expect([await passwordOf(a.id), await passwordOf(b.id)]).toEqual(before);
			expect((await host.admin('PATCH', '/users', { keys: [a.id, b.id], data: { password: GOOD } })).status).toBe(200);
			expect((await host.login(b.email, GOOD)).status).toBe(200);
		});

		it('GraphQL: create_users_item, update_users_item, update_users_items', async () => {
			const email = newEmail();
			expectRefused(await gql('mutation C($data: create_directus_users_input!) { create_users_item(data: $data) { id } }', { data: { email, password: WEAK.common.password } }, host.adminToken), 'common');
			expect(await host.userByEmail(email)).toBeUndefined();
			const user = await activeUser({ first_name: 'Wilhelmina' });
			const before = await passwordOf(user.id);
			expectRefused(await gql('mutation U($id: ID!, $data: update_directus_users_input!) { update_users_item(id: $id, data: $data) { id } }', { id: user.id, data: { password: 'plinth-wilhelmina' } }, host.adminToken), 'context');
			expectRefused(await gql('mutation U($ids: [ID]!, $data: update_directus_users_input!) { update_users_items(ids: $ids, data: $data) { id } }', { ids: [user.id], data: { password: WEAK.project.password } }, host.adminToken), 'context');
			expect(await passwordOf(user.id)).toBe(before);
		});
	});

	describe('Flows and other extensions', () => {
		const webhookFlow = async (type: 'item-create' | 'item-update', options: Record<string, unknown>) => {
			const flow = await host.admin('POST', '/flows', { name: `policy ${++seq}`, status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'GET', async: false } });
			expect(flow.status, flow.text).toBe(200);
			const op = await host.admin('POST', '/operations', { flow: flow.body.data.id, name: 'write', key: `write_${seq}`, type, position_x: 19, position_y: 1, options });
			expect(op.status, op.text).toBe(200);
			expect((await host.admin('PATCH', `/flows/${flow.body.data.id}`, { operation: op.body.data.id })).status).toBe(200);
			return flow.body.data.id as string;
		};

		it('a Flow\'s Create Data and Update Data (events off, full permissions) write no refused password', async () => {
			const user = await activeUser();
			const before = await passwordOf(user.id);
			const update = await webhookFlow('item-update', { collection: 'directus_users', key: [user.id], payload: { password: WEAK.common.password }, emitEvents: false, permissions: '$full' });
			const email = newEmail();
			const create = await webhookFlow('item-create', { collection: 'directus_users', payload: { email, password: WEAK.host.password, role }, emitEvents: false, permissions: '$full' });
			await host.api('GET', `/flows/trigger/${update}`);
			await host.api('GET', `/flows/trigger/${create}`);
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(await passwordOf(user.id)).toBe(before);
			expect(await host.userByEmail(email)).toBeUndefined();
		});

		it("another extension's UsersService and ItemsService, as the system: refused with the host's error format", async () => {
			for (const kind of ['users', 'items']) {
				const email = newEmail();
				expectRefused(await host.api('POST', `/password-writer/${kind}/create`, { email, password: WEAK.listed.password }), 'project-list');
				expectRefused(await host.api('POST', `/password-writer/${kind}/create`, { email, password: 'plinth-Cornelius', last_name: 'Cornelius' }), 'context');
				expect(await host.userByEmail(email)).toBeUndefined();
				const user = await activeUser();
				const before = await passwordOf(user.id);
				// The host's own regex: its UsersService checks it, a plain ItemsService does not; we do on both.
				expectRefused(await host.api('POST', `/password-writer/${kind}/update/${user.id}`, { password: WEAK.host.password }), 'host-policy');
				expectRefused(await host.api('POST', `/password-writer/${kind}/update/${user.id}`, { password: WEAK.common.password }), 'common');
				expect(await passwordOf(user.id)).toBe(before);
				expect((await host.api('POST', `/password-writer/${kind}/update/${user.id}`, { password: GOOD })).status).toBe(200);
				expect((await host.login(user.email, GOOD)).status).toBe(200);
			}
		});
	});
});
