// The status route (reason, timed suspensions), sessions ending, the schedule (run every second
// here), and the audit trail as a read-only Data Studio collection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { STATUS_EVERY_SECOND } from '../../harness/profiles.js';


describe.each(await availableDatabases())('status route, schedule and audit trail on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;
	let seq = 0;
	const newEmail = () => `status.${db}.${++seq}@example.com`;
	const statusOf = async (id: string) => (await host.knex('directus_users').select('status').where({ id }).first())?.status;
	const userIn = async (status: string, fields: Record<string, unknown> = {}) => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active', ...fields });
		if (status !== 'active') await host.knex('directus_users').update({ status }).where({ id });
		return id;
	};
	const setStatus = (id: string, body: unknown, token = host.adminToken) => host.api('POST', `/user-lifecycle/users/${id}/status`, body, { token });

	beforeAll(async () => {
		// The status events' profile (their listener fixture leaves these users alone): one host for both.
		host = await startTestHost({ db, ...STATUS_EVERY_SECOND });
		role = await host.createApiRole('Status members');
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('changes a status with a reason: { data: { id, status } }, audited with actor, via and reason', async () => {
		const id = await userIn('active');
		const res = await setStatus(id, { status: 'archived', reason: 'left the company' });
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ data: { id, status: 'archived' } });
		expect(await statusOf(id)).toBe('archived');
		const events = (await host.admin('GET', `/user-lifecycle/users/${id}/events`)).body.data;
		expect(events.at(-1)).toMatchObject({ event: 'status', from: 'active', to: 'archived', actor: adminId, via: 'api', reason: 'left the company' });
		expect(Date.parse(events.at(-1).at)).toBeGreaterThan(Date.now() - 60_000);
	});

	it('the table still applies to the route: flow-only and refused cells are 400, nothing changes', async () => {
		const invited = await userIn('invited');
		const res = await setStatus(invited, { status: 'active', reason: 'skip the invite' });
		expect(res.status).toBe(400);
		expect(res.body.errors[0].message).toContain('from "invited" to "active"');
		expect(await statusOf(invited)).toBe('invited');
		const archived = await userIn('archived');
		expect((await setStatus(archived, { status: 'suspended' })).status).toBe(400);
		expect(await statusOf(archived)).toBe('archived');
	});

	it('bad input is 400 and writes nothing', async () => {
		const id = await userIn('active');
		const past = new Date(Date.now() - 1000).toISOString();
		const future = new Date(Date.now() + 3_600_000).toISOString();
		const cases: unknown[] = [
			{},
			{ status: 'banned' },
			{ status: 'suspended', until: past },
			{ status: 'archived', until: future },
			{ status: 'suspended', until: 'tomorrow' },
			{ status: 'suspended', reason: 42 },
			{ status: 'suspended', extra: true },
			[],
			'suspended',
		];
		for (const body of cases) {
			const res = await setStatus(id, body);
			expect(res.status, JSON.stringify(body)).toBe(400);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		}
		expect((await host.api('POST', '/user-lifecycle/users/not-a-uuid/status', { status: 'suspended' }, { token: host.adminToken })).status).toBe(400);
		expect(await statusOf(id)).toBe('active');
		expect(await host.knex('user_lifecycle_suspensions').where({ user_id: id })).toHaveLength(0);
	});

	it('needs the host\'s update permission on that user', async () => {
		const target = await userIn('active');
		const plainRole = await host.createApiRole('No permissions');
		const { token: plain } = await host.createApiUser(plainRole, newEmail());
		const denied = await setStatus(target, { status: 'suspended' }, plain);
		expect(denied.status).toBe(403);
		expect((await host.api('GET', `/user-lifecycle/users/${target}/events`, undefined, { token: plain })).status).toBe(403);
		expect((await host.api('POST', `/user-lifecycle/users/${target}/status`, { status: 'suspended' })).status).toBe(403);
		expect(await statusOf(target)).toBe('active');

		const managerRole = await host.createApiRole('User managers', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
			// audit events (their reasons) are for whoever may read the audit collection
			{ collection: 'user_lifecycle_events', action: 'read' },
		]);
		const { id: managerId, token: manager } = await host.createApiUser(managerRole, newEmail());
		const allowed = await setStatus(target, { status: 'suspended', reason: 'by a manager' }, manager);
		expect(allowed.status).toBe(200);
		expect(await statusOf(target)).toBe('suspended');
		const events = (await host.api('GET', `/user-lifecycle/users/${target}/events`, undefined, { token: manager })).body.data;
		expect(events.at(-1)).toMatchObject({ from: 'active', to: 'suspended', actor: managerId, via: 'api', reason: 'by a manager' });
	});

	it('suspending ends the user\'s sessions: their refresh token fails at once', async () => {
		const email = newEmail();
		const id = await userIn('active', { email, password: PASSWORD });
		const login = await host.api('POST', '/auth/login', { email, password: PASSWORD, mode: 'json' });
		expect(login.status).toBe(200);
		const refresh = login.body.data.refresh_token as string;
		expect(await host.knex('directus_sessions').where({ user: id })).toHaveLength(1);
		expect((await setStatus(id, { status: 'suspended', reason: 'sessions test' })).status).toBe(200);
		expect(await host.knex('directus_sessions').where({ user: id })).toHaveLength(0);
		const again = await host.api('POST', '/auth/refresh', { refresh_token: refresh, mode: 'json' });
		expect(again.status).toBeGreaterThanOrEqual(400);
		expect(again.status).toBeLessThan(500);
	});

	it('a timed suspension lifts itself; both changes are in the audit trail with actor and reason', async () => {
		const id = await userIn('active');
		const until = new Date(Date.now() + 1500).toISOString();
		const res = await setStatus(id, { status: 'suspended', reason: 'cooling off', until });
		expect(res.status).toBe(200);
		expect(await statusOf(id)).toBe('suspended');
		expect(await host.knex('user_lifecycle_suspensions').where({ user_id: id })).toHaveLength(1);
		await expect.poll(() => statusOf(id), { timeout: 10_000, interval: 250 }).toBe('active');
		expect(await host.knex('user_lifecycle_suspensions').where({ user_id: id })).toHaveLength(0);
		const events = (await host.admin('GET', `/user-lifecycle/users/${id}/events`)).body.data.filter((e: any) => e.from !== null);
		expect(events).toHaveLength(2);
		expect(events[0]).toMatchObject({ from: 'active', to: 'suspended', actor: adminId, via: 'api', reason: 'cooling off' });
		expect(events[1]).toMatchObject({ from: 'suspended', to: 'active', actor: null, via: 'schedule', reason: 'suspension ended' });
	});

	it('a suspension ended by hand forgets its timer', async () => {
		const id = await userIn('active');
		await setStatus(id, { status: 'suspended', until: new Date(Date.now() + 3_600_000).toISOString() });
		expect((await host.admin('PATCH', `/users/${id}`, { status: 'active' })).status).toBe(200);
		await expect.poll(async () => (await host.knex('user_lifecycle_suspensions').where({ user_id: id })).length).toBe(0);
	});

	it('the schedule archives invitations past their TTL and prunes spent tokens', async () => {
		const expired = await userIn('invited');
		const pending = await userIn('invited');
		const now = Date.now();
		const token = (user: string, id: string, fields: Record<string, unknown>) => ({
			id, kind: 'invite', user_id: user, token_hash: id.replace(/-/g, '').padEnd(64, '0'), data: null, created_at: now - 10_000, expires_at: now + 3_600_000, consumed_at: null, revoked_at: null, ...fields,
		});
		await host.knex('user_lifecycle_tokens').insert([
			token(expired, '00000000-0000-4000-8000-000000000001', { expires_at: now - 1000 }),
			token(pending, '00000000-0000-4000-8000-000000000002', {}),
			token(pending, '00000000-0000-4000-8000-000000000003', { consumed_at: now - 3 * 86_400_000, created_at: now - 4 * 86_400_000 }),
		]);
		await expect.poll(() => statusOf(expired), { timeout: 10_000, interval: 250 }).toBe('archived');
		expect(await statusOf(pending)).toBe('invited');
		await expect.poll(async () => (await host.knex('user_lifecycle_tokens').where({ id: '00000000-0000-4000-8000-000000000003' })).length).toBe(0);
		expect(await host.knex('user_lifecycle_tokens').whereIn('id', ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'])).toHaveLength(2);
		const events = await host.knex('user_lifecycle_events').where({ user: expired, to: 'archived' });
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ from: 'invited', actor: null, via: 'schedule', reason: 'invitation expired' });
	});

	it('the audit collection is in the Data Studio for an admin, browsable, and read-only for everyone', async () => {
		const collections = await host.admin('GET', '/collections');
		expect(collections.status).toBe(200);
		const entry = collections.body.data.find((c: any) => c.collection === 'user_lifecycle_events');
		expect(entry).toBeDefined();
		// Out of the Content module's navigation (its "Create Item" would only be refused): the
		// module's Audit trail page shows it; by URL it is browsable all the same.
		expect(entry.meta?.hidden).toBe(true);
		const items = await host.admin('GET', '/items/user_lifecycle_events?sort=-at&limit=5&filter[via][_eq]=api');
		expect(items.status).toBe(200);
		expect(items.body.data.length).toBeGreaterThan(0);
		const one = items.body.data[0];
		expect((await host.admin('POST', '/items/user_lifecycle_events', { user: adminId, event: 'status', via: 'forged', at: new Date().toISOString() })).status).toBe(403);
		expect((await host.admin('PATCH', `/items/user_lifecycle_events/${one.id}`, { reason: 'rewritten' })).status).toBe(403);
		expect((await host.admin('DELETE', `/items/user_lifecycle_events/${one.id}`)).status).toBe(403);
		expect(await host.knex('user_lifecycle_events').where({ via: 'forged' })).toHaveLength(0);
		expect((await host.knex('user_lifecycle_events').where({ id: one.id }).first()).reason).toBe(one.reason);
	});

	it("the extension's internal tables are out of the host's schema: no REST or GraphQL door to them, not even an admin's", async () => {
		const internal = ['user_lifecycle_tokens', 'user_lifecycle_otp_steps', 'user_lifecycle_recovery_codes', 'user_lifecycle_login_attempts', 'user_lifecycle_migrations'];
		for (const table of internal) expect(await host.knex.schema.hasTable(table)).toBe(true);
		const listed = (await host.admin('GET', '/collections')).body.data.map((c: any) => c.collection);
		expect(listed).toEqual(expect.arrayContaining(['user_lifecycle_events', 'user_lifecycle_outbox']));
		expect(listed.filter((name: string) => name.startsWith('user_lifecycle_')).sort()).toEqual(['user_lifecycle_events', 'user_lifecycle_outbox']);
		const before = await host.knex('user_lifecycle_tokens').count({ n: '*' }).first();
		for (const table of internal) {
			expect((await host.admin('GET', `/items/${table}`)).status).toBe(403);
			expect((await host.admin('POST', `/items/${table}`, { id: 'forged' })).status).toBe(403);
		}
		expect(await host.knex('user_lifecycle_tokens').count({ n: '*' }).first()).toEqual(before);
		const gql = (query: string) => host.api('POST', '/graphql', { query }, { token: host.adminToken });
		const shown = await gql('{ user_lifecycle_events(limit: 1) { id } }');
		expect(shown.body.errors).toBeUndefined();
		const hidden = await gql('{ user_lifecycle_tokens { id } }');
		expect(hidden.status).toBe(400);
		expect(hidden.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION');
		expect(hidden.body.data ?? null).toBeNull();
	});
});
