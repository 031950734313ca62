// `user-lifecycle.status-changed`: another extension (a fixture hook) hears it once per changed
// user, after the write committed, whatever path made the change (REST, bulk REST, GraphQL, the
// status route, the schedule), and never for a write that was refused or rolled back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { STATUS_EVERY_SECOND } from '../../harness/profiles.js';


interface Heard {
	user: string;
	actor: string | null;
	via: string;
	from: string | null;
	to: string | null;
	reason: string | null;
}

describe.each(await availableDatabases())('status-changed events on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;
	let seq = 0;
	const newEmail = (prefix = 'events') => `${prefix}.${db}.${++seq}@example.com`;
	const statusOf = async (id: string) => (await host.knex('directus_users').select('status').where({ id }).first())?.status;
	// The host's emitter adds the event's name to what a listener gets.
	const heard = async (): Promise<Heard[]> =>
		(await host.api('GET', '/status-listener/events')).body.data.map(({ event, ...payload }: Record<string, unknown>) => {
			expect(event).toBe('user-lifecycle.status-changed');
			return payload;
		});
	const heardFor = async (user: string) => (await heard()).filter((event) => event.user === user);
	const auditFor = async (user: string) => host.knex('user_lifecycle_events').where({ user, event: 'status' }).whereNotNull('from').orderBy('at', 'asc'); // changes, not the creation
	/** Waits until `user` has `count` events, then a little longer so a duplicate would show. */
	const settled = async (user: string, count: number, timeoutMs = 15_000) => {
		const deadline = Date.now() + timeoutMs;
		while ((await heardFor(user)).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
		await new Promise((r) => setTimeout(r, 500));
		return heardFor(user);
	};

	beforeAll(async () => {
		host = await startTestHost({ db, ...STATUS_EVERY_SECOND });
		role = await host.createApiRole('Event members');
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('REST PATCH /users/:id: one event with from, to, actor and via, after the write', async () => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active' });
		expect((await host.admin('PATCH', `/users/${id}`, { status: 'suspended' })).status).toBe(200);
		const events = await settled(id, 1);
		expect(events).toEqual([{ user: id, actor: adminId, via: 'api', from: 'active', to: 'suspended', reason: null }]);
		// The record went in with the write.
		expect((await auditFor(id)).map((row) => [row.from, row.to])).toEqual([['active', 'suspended']]);
	});

	it('a bulk PATCH /users: exactly one event per changed user', async () => {
		const ids = [];
		for (let i = 0; i < 3; i++) ids.push(await host.createUser({ email: newEmail(), role, status: 'active' }));
		expect((await host.admin('PATCH', '/users', { keys: ids, data: { status: 'archived' } })).status).toBe(200);
		for (const id of ids) {
			expect(await settled(id, 1)).toEqual([{ user: id, actor: adminId, via: 'api', from: 'active', to: 'archived', reason: null }]);
			expect(await auditFor(id)).toHaveLength(1);
		}
	});

	it("leaving active ends the user's sessions, by the answer, through the host's UsersService and another extension's plain ItemsService", async () => {
		const sessionsOf = async (id: string) => (await host.knex('directus_sessions').where({ user: id })).length;
		// The host's own route (UsersService ends the sessions itself, after its commit: the guard leaves them to it).
		const viaRest = await host.createApiUser(role, newEmail());
		expect(await sessionsOf(viaRest.id)).toBe(1);
		expect((await host.admin('PATCH', `/users/${viaRest.id}`, { status: 'suspended' })).status).toBe(200);
		expect(await sessionsOf(viaRest.id)).toBe(0);
		// A plain ItemsService on directus_users ends none: the guard does, inside the write.
		const viaItems = await host.createApiUser(role, newEmail());
		expect(await sessionsOf(viaItems.id)).toBe(1);
		const written = await host.admin('PATCH', `/status-listener/items-write/${viaItems.id}`, { status: 'suspended' });
		expect(written.status).toBe(200);
		expect(await sessionsOf(viaItems.id)).toBe(0);
		expect(await settled(viaItems.id, 1)).toEqual([{ user: viaItems.id, actor: adminId, via: 'api', from: 'active', to: 'suspended', reason: null }]);
		expect((await auditFor(viaItems.id)).map((row) => [row.from, row.to])).toEqual([['active', 'suspended']]);
		// The table holds at that door too, and a write that rolls back late keeps the sessions.
		expect((await host.admin('PATCH', `/status-listener/items-write/${viaItems.id}`, { status: 'invited' })).status).toBe(400);
		expect(await statusOf(viaItems.id)).toBe('suspended');
		const doomed = await host.createApiUser(role, newEmail('doomed'));
		expect((await host.admin('PATCH', `/status-listener/items-write/${doomed.id}`, { status: 'suspended' })).status).toBe(400);
		expect(await statusOf(doomed.id)).toBe('active');
		expect(await sessionsOf(doomed.id)).toBe(1);
		expect(await auditFor(doomed.id)).toHaveLength(0);
	});

	it("a project's filter before the guard's rewrites active to suspended: the sessions still end by the answer", async () => {
		const sessionsOf = async (id: string) => (await host.knex('directus_sessions').where({ user: id })).length;
		// The host ends sessions from the caller's own payload (`active`: none); the guard sees the rewrite.
		const user = await host.createApiUser(role, newEmail());
		expect(await sessionsOf(user.id)).toBe(1);
		const res = await host.admin('PATCH', `/users/${user.id}`, { status: 'active', title: 'rewrite active to suspended' });
		expect(res.status).toBe(200);
		expect(res.body.data.status).toBe('suspended');
		expect(await sessionsOf(user.id)).toBe(0);
		expect((await auditFor(user.id)).map((row) => [row.from, row.to])).toEqual([['active', 'suspended']]);
	});

	it('GraphQL update_users_item: one event', async () => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active' });
		const res = await host.admin('POST', '/graphql/system', { query: `mutation { update_users_item(id: "${id}", data: { status: "suspended" }) { id status } }` });
		expect(res.status).toBe(200);
		expect(res.body.errors).toBeUndefined();
		expect(await settled(id, 1)).toEqual([{ user: id, actor: adminId, via: 'api', from: 'active', to: 'suspended', reason: null }]);
	});

	it('the status route: one event carrying the reason; the schedule lifting the suspension: another', async () => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active' });
		const until = new Date(Date.now() + 1500).toISOString();
		const res = await host.admin('POST', `/user-lifecycle/users/${id}/status`, { status: 'suspended', reason: 'cooling off', until });
		expect(res.status).toBe(200);
		const events = await settled(id, 2, 30_000);
		expect(events).toEqual([
			{ user: id, actor: adminId, via: 'api', from: 'active', to: 'suspended', reason: 'cooling off' },
			{ user: id, actor: null, via: 'schedule', from: 'suspended', to: 'active', reason: 'suspension ended' },
		]);
		expect(await statusOf(id)).toBe('active');
	});

	it('no event for a refused transition, a status kept as it was, or a write that rolls back late', async () => {
		const archived = await host.createUser({ email: newEmail(), role, status: 'active' });
		await host.knex('directus_users').update({ status: 'archived' }).where({ id: archived });
		expect((await host.admin('PATCH', `/users/${archived}`, { status: 'suspended' })).status).toBe(400);

		const same = await host.createUser({ email: newEmail(), role, status: 'active' });
		expect((await host.admin('PATCH', `/users/${same}`, { status: 'active' })).status).toBe(200);

		// The listener fixture fails these writes inside the host's transaction, after the guard's checks.
		const doomed = await host.createUser({ email: newEmail('doomed'), role, status: 'active' });
		expect((await host.admin('PATCH', `/users/${doomed}`, { status: 'suspended' })).status).toBe(400);
		expect((await host.admin('PATCH', '/users', { keys: [doomed], data: { status: 'archived' } })).status).toBe(400);
		expect((await host.admin('POST', `/user-lifecycle/users/${doomed}/status`, { status: 'suspended', reason: 'never' })).status).toBe(400);

		// A write after them that does commit is heard: the others had their chance to arrive.
		const witness = await host.createUser({ email: newEmail(), role, status: 'active' });
		expect((await host.admin('PATCH', `/users/${witness}`, { status: 'suspended' })).status).toBe(200);
		expect(await settled(witness, 1)).toHaveLength(1);

		for (const id of [archived, same, doomed]) expect(await heardFor(id)).toEqual([]);
		expect(await statusOf(archived)).toBe('archived');
		expect(await statusOf(doomed)).toBe('active');
		// Nor is any change of the rolled-back writes recorded.
		expect(await auditFor(doomed)).toHaveLength(0);
		expect(await auditFor(archived)).toHaveLength(0);
	});

	it('payloads carry no secret', async () => {
		for (const event of await heard()) {
			expect(Object.keys(event).sort()).toEqual(['actor', 'from', 'reason', 'to', 'user', 'via']);
		}
	});
});
