// A filter of someone else's that runs AFTER the guard's on `users.update` could rewrite the status
// the guard checked (a blocking Flow returning a changed payload, an extension loaded later). The
// guard keeps its filter last, and checks a write again as written when it can't be last.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';

const REWRITER = fileURLToPath(new URL('../../fixtures/directus-extension-status-rewriter', import.meta.url));

describe.each(await availableDatabases())('filters after the guard on %s', (db) => {
	let host: TestHost;
	let role: string;
	let seq = 0;
	const newEmail = () => `late.${db}.${++seq}@example.com`;
	const statusOf = async (id: string) => (await host.knex('directus_users').select('status').where({ id }).first())?.status;
	const auditFor = async (user: string) =>
		(await host.knex('user_lifecycle_events').where({ user, event: 'status' }).whereNotNull('from').orderBy('at', 'asc')).map((row) => [row.from, row.to]);
	const sessionsOf = async (id: string) => (await host.knex('directus_sessions').where({ user: id })).length;
	const userIn = async (status: string) => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active' });
		if (status !== 'active') await host.knex('directus_users').update({ status }).where({ id });
		return id;
	};

	/** An invited user's `invited -> draft`, rewritten to `active` by the `prefix` filter: refused, nothing written. */
	const expectInvitedKept = async (prefix: string) => {
		const invited = await userIn('invited');
		const res = await host.admin('PATCH', `/users/${invited}`, { status: 'draft', title: `${prefix}: rewrite to active` });
		expect(res.status).toBe(400);
		expect(res.body.errors[0].extensions.reason).toContain('"invited" to "active"');
		expect(await statusOf(invited)).toBe('invited');
		expect(await auditFor(invited)).toEqual([]);
		return invited;
	};

	beforeAll(async () => {
		host = await startTestHost({ db, extraExtensions: [REWRITER], env: { PRESSURE_LIMITER_ENABLED: 'false' } });
		role = await host.createApiRole('Late filter members');
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('a filter registered through the host after the guard: the guard still sees (and judges) the rewritten status', async () => {
		await expectInvitedKept('late');
		// An allowed rewrite is recorded as written, and its sessions end.
		const active = await host.createApiUser(role, newEmail());
		expect(await sessionsOf(active.id)).toBe(1);
		const ok = await host.admin('PATCH', `/users/${active.id}`, { status: 'active', title: 'late: rewrite to suspended' });
		expect(ok.status).toBe(200);
		expect(ok.body.data.status).toBe('suspended');
		expect(await auditFor(active.id)).toEqual([['active', 'suspended']]);
		expect(await sessionsOf(active.id)).toBe(0);
	});

	it('a blocking Flow on users.update that returns a changed payload: checked as the Flow left it', async () => {
		const flow = await host.admin('POST', '/flows', {
			name: 'rewrite status',
			status: 'active',
			trigger: 'event',
			accountability: null,
			options: { type: 'filter', scope: ['items.update'], collections: ['directus_users'], return: '$last' },
		});
		expect(flow.status).toBe(200);
		const code = `module.exports = async function (data) {
			const p = data.$trigger.payload;
			if (p && p.title === 'flow: probe') return { ...p, title: 'flow: seen' };
			if (p && p.title === 'flow: rewrite to active') return { ...p, status: 'active' };
			return p;
		}`;
		const op = await host.admin('POST', '/operations', { flow: flow.body.data.id, name: 'rewrite', key: 'rewrite', type: 'exec', position_x: 19, position_y: 1, options: { code } });
		expect(op.status).toBe(200);
		expect((await host.admin('PATCH', `/flows/${flow.body.data.id}`, { operation: op.body.data.id })).status).toBe(200);
		try {
			// The host reloads its Flows in the background: wait until this one runs.
			const probe = await userIn('active');
			await expect
				.poll(async () => (await host.admin('PATCH', `/users/${probe}`, { title: 'flow: probe' })).body.data?.title, { timeout: 20_000, interval: 250 })
				.toBe('flow: seen');
			const invited = await expectInvitedKept('flow');
			// GraphQL is the same write.
			const gql = await host.admin('POST', '/graphql/system', { query: `mutation { update_users_item(id: "${invited}", data: { status: "draft", title: "flow: rewrite to active" }) { id } }` });
			expect(gql.body.errors?.[0]?.extensions?.code).toBe('INVALID_PAYLOAD');
			expect(await statusOf(invited)).toBe('invited');
		} finally {
			await host.admin('DELETE', `/flows/${flow.body.data.id}`);
		}
	});

	it('a filter behind the host\'s back, after the guard: the write is checked again inside its transaction and refused there', async () => {
		expect((await host.admin('POST', '/status-rewriter/arm-direct')).status).toBe(200);
		await expectInvitedKept('direct');
		// A bulk write: one refused row refuses all.
		const others = [await userIn('draft'), await userIn('invited')];
		const bulk = await host.admin('PATCH', '/users', { keys: others, data: { status: 'archived', title: 'direct: rewrite to active' } });
		expect(bulk.status).toBe(400);
		expect([await statusOf(others[0]!), await statusOf(others[1]!)]).toEqual(['draft', 'invited']);
		// Allowed as written: recorded as written, sessions ended by the answer.
		const active = await host.createApiUser(role, newEmail());
		const ok = await host.admin('PATCH', `/users/${active.id}`, { status: 'active', title: 'direct: rewrite to suspended' });
		expect(ok.status).toBe(200);
		expect(ok.body.data.status).toBe('suspended');
		expect(await auditFor(active.id)).toEqual([['active', 'suspended']]);
		expect(await sessionsOf(active.id)).toBe(0);
		// A write without a caller has no step inside it: recorded as written, and the log says so.
		const quiet = await userIn('invited');
		expect((await host.api('POST', `/status-rewriter/system-write/${quiet}`, { status: 'draft', title: 'direct: rewrite to active' })).status).toBe(200);
		expect(await statusOf(quiet)).toBe('active');
		await expect.poll(() => auditFor(quiet)).toEqual([['invited', 'active']]);
		expect(host.logs()).toContain("a filter that runs after the guard's rewrote a status write");
	});
});
