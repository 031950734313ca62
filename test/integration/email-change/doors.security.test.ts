// Every other door to a user's own `email` refuses (400, naming the email change route) and writes
// nothing: the host's REST `PATCH /users/me` and `/users/:own-id` (an admin's own too), a batch
// that includes oneself, GraphQL `update_users_me` and `update_users_item`, and a Flow acting as
// the user. A change of another user's address by whoever may make it is direct, audited, and
// told to the old address (without a revert link).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL } from '../../../scripts/host.mjs';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import { EMAIL_CHANGE_PROFILE } from './profile.js';

const ROUTE = 'POST /user-lifecycle/email-change';

describe.each(await availableDatabases())('the other doors to email on %s', (db) => {
	let host: TestHost;
	let role: string;
	let seq = 0;
	const address = (name: string) => `door.${name}.${randomUUID().slice(0, 8)}@example.com`;
	const emailOf = async (id: string) => (await host.knex('directus_users').select('email', 'first_name').where({ id }).first()) as { email: string; first_name: string | null };
	const expectRefused = (res: ApiResponse) => {
		expect(res.status, res.text).toBe(400);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		expect(res.body.errors[0].message).toContain(ROUTE);
	};
	const gql = (token: string, query: string) => host.api('POST', '/graphql/system', { query }, { token });

	beforeAll(async () => {
		host = await startTestHost({ db, ...EMAIL_CHANGE_PROFILE });
		role = await host.createApiRole('Door users', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('REST: PATCH /users/me, /users/:own-id and a batch with oneself are refused whole', async () => {
		const email = address('rest');
		const { id, token } = await host.createApiUser(role, email);
		expectRefused(await host.api('PATCH', '/users/me', { email: address('rest-me'), first_name: 'Changed' }, { token }));
		expectRefused(await host.api('PATCH', `/users/${id}`, { email: address('rest-id') }, { token }));
		expectRefused(await host.api('PATCH', '/users', { keys: [id], data: { email: address('rest-keys') } }, { token }));
		expectRefused(await host.api('PATCH', '/users', [{ id, email: address('rest-batch') }], { token }));
		expect(await emailOf(id)).toEqual({ email, first_name: null });
		// The same address written again changes nothing and passes (a form that sends every field).
		expect((await host.api('PATCH', '/users/me', { email, first_name: 'Same' }, { token })).status).toBe(200);
		expect(await emailOf(id)).toEqual({ email, first_name: 'Same' });
	});

	it("an admin's own address is refused too", async () => {
		expectRefused(await host.admin('PATCH', '/users/me', { email: address('admin') }));
		const admin = await host.userByEmail(ADMIN_EMAIL);
		expectRefused(await host.admin('PATCH', `/users/${admin.id}`, { email: address('admin-id') }));
		expect((await host.userByEmail(ADMIN_EMAIL)).id).toBe(admin.id);
	});

	it('GraphQL: update_users_me and update_users_item on oneself are refused', async () => {
		const email = address('gql');
		const { id, token } = await host.createApiUser(role, email);
		for (const query of [
			`mutation { update_users_me(data: { email: "${address('gql-me')}" }) { id } }`,
			`mutation { update_users_item(id: "${id}", data: { email: "${address('gql-item')}" }) { id } }`,
		]) {
			const res = await gql(token, query);
			expect(res.body.errors?.[0]?.message, res.text).toContain(ROUTE);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		}
		expect((await emailOf(id)).email).toBe(email);
	});

	it('a Flow acting as the user (permissions of its trigger) is refused', async () => {
		const email = address('flow');
		const { id, token } = await host.createApiUser(role, email);
		const flow = await host.admin('POST', '/flows', { name: `email door ${++seq}`, status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'GET', async: false } });
		expect(flow.status, flow.text).toBe(200);
		const op = await host.admin('POST', '/operations', {
			flow: flow.body.data.id,
			name: 'write own email',
			key: `email_${seq}`,
			type: 'item-update',
			position_x: 19,
			position_y: 1,
			options: { collection: 'directus_users', key: ['{{$accountability.user}}'], payload: { email: address('flow-next') }, permissions: '$trigger', emitEvents: true },
		});
		expect(op.status, op.text).toBe(200);
		expect((await host.admin('PATCH', `/flows/${flow.body.data.id}`, { operation: op.body.data.id })).status).toBe(200);
		const res = await host.api('GET', `/flows/trigger/${flow.body.data.id}`, undefined, { token });
		// A sync webhook answers with what its last operation returned: here, the refusal.
		expect(res.text).toContain(ROUTE);
		expect((await emailOf(id)).email).toBe(email);
	});

	it("an admin changes another user's address directly: audited, the old address told without a link", async () => {
		const email = address('managed');
		const next = address('managed-next');
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active', language: 'de-DE' });
		const res = await host.admin('PATCH', `/users/${id}`, { email: next });
		expect(res.status, res.text).toBe(200);
		expect((await emailOf(id)).email).toBe(next);
		await expect.poll(async () => (await host.knex('user_lifecycle_events').where({ user: id, event: 'email-changed' })).length).toBe(1);
		const [record] = await host.knex('user_lifecycle_events').where({ user: id, event: 'email-changed' });
		const admin = await host.userByEmail(ADMIN_EMAIL);
		expect(record.actor).toBe(admin.id);
		const [notice] = await host.mailbox.waitFor(email);
		expect(notice!.html).toContain('Administrator');
		expect(notice!.tokens).toEqual([]);
		expect(notice!.html).not.toContain(next);
		expect(host.mailbox.to(next)).toHaveLength(0);
	});

	it("a user with update permission on users changes another user's address directly", async () => {
		const { token } = await host.createApiUser(role, address('manager'));
		const email = address('managed-by-role');
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const next = address('managed-by-role-next');
		expect((await host.api('PATCH', `/users/${id}`, { email: next }, { token })).status).toBe(200);
		expect((await emailOf(id)).email).toBe(next);
		await host.mailbox.waitFor(email);
	});
});
