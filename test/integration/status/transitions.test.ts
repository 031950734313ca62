// The SPEC's transition table, cell by cell, through the host's own routes as an admin; bulk
// writes (REST by keys, by query, as a batch, and GraphQL) are all or nothing; tfa_secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';

const STATUSES = ['draft', 'invited', 'unverified', 'active', 'suspended', 'archived'] as const;
type Status = (typeof STATUSES)[number];
// Written out from SPEC.md, not imported from the code under test: y = yes, f = flow, n = no.
const SPEC: Record<'create' | Status, string> = {
	create: 'y f f y n n',
	draft: '- f n y n y',
	invited: 'y f n f n y',
	unverified: 'n n - f n y',
	active: 'n n n - y y',
	suspended: 'n n n y - y',
	archived: 'y f n y n -',
};
/** What an admin through the API may do: only `yes` cells (and staying put). */
const adminMay = (from: 'create' | Status, to: Status) => {
	const cell = SPEC[from].split(' ')[STATUSES.indexOf(to)];
	return cell === 'y' || cell === '-';
};

describe.each(await availableDatabases())('status transitions on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;
	let seq = 0;
	const newEmail = () => `guard.${db}.${++seq}@example.com`;
	const statusOf = async (id: string) => (await host.knex('directus_users').select('status').where({ id }).first())?.status;
	/** A user in any status, whatever the table says (set behind the guard's back, as fixtures). */
	const userIn = async (status: string) => {
		const id = await host.createUser({ email: newEmail(), role, status: 'active' });
		await host.knex('directus_users').update({ status }).where({ id });
		return id;
	};
	const graphql = (query: string) => host.admin('POST', '/graphql/system', { query });

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
		role = await host.createApiRole('Guarded members');
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('every cell of the table through PATCH /users/:id: allowed ones succeed, refused ones are 400 and change nothing', async () => {
		const outcomes: string[] = [];
		const expected: string[] = [];
		for (const from of STATUSES) {
			for (const to of STATUSES) {
				const id = await userIn(from);
				const res = await host.admin('PATCH', `/users/${id}`, { status: to });
				const after = await statusOf(id);
				const allowed = adminMay(from, to);
				expected.push(`${from}->${to}: ${allowed ? 'ok' : 'refused'}`);
				if (res.status === 200 && after === to) outcomes.push(`${from}->${to}: ok`);
				else if (res.status === 400 && after === from && res.body.errors[0].extensions.code === 'INVALID_PAYLOAD') {
					expect(res.body.errors[0].message).toContain(`from "${from}" to "${to}"`);
					outcomes.push(`${from}->${to}: refused`);
				} else outcomes.push(`${from}->${to}: unexpected ${res.status} ${res.text} (now ${after})`);
			}
		}
		expect(outcomes).toEqual(expected);
	});

	it('every cell of the create row through POST /users', async () => {
		const outcomes: string[] = [];
		const expected: string[] = [];
		for (const to of STATUSES) {
			const email = newEmail();
			const res = await host.admin('POST', '/users', { email, role, status: to });
			const row = await host.userByEmail(email);
			expected.push(`create->${to}: ${adminMay('create', to) ? 'ok' : 'refused'}`);
			if (res.status === 200 && row?.status === to) outcomes.push(`create->${to}: ok`);
			else if (res.status === 400 && !row && res.body.errors[0].extensions.code === 'INVALID_PAYLOAD') outcomes.push(`create->${to}: refused`);
			else outcomes.push(`create->${to}: unexpected ${res.status} ${res.text}`);
			// A new user is an audit event too: from nothing to its first status.
			if (row) {
				await expect.poll(async () => (await host.knex('user_lifecycle_events').where({ user: row.id })).length).toBe(1);
				expect(await host.knex('user_lifecycle_events').where({ user: row.id }).first()).toMatchObject({ from: null, to, actor: adminId, via: 'api' });
			}
		}
		expect(outcomes).toEqual(expected);
	});

	it('a bulk PATCH /users by keys with one refused row is 400 and changes no row; the audit trail stays empty', async () => {
		const ok1 = await userIn('active');
		const ok2 = await userIn('active');
		const bad = await userIn('archived');
		const eventsBefore = await host.knex('user_lifecycle_events').whereIn('user', [ok1, ok2, bad]).where({ to: 'suspended' });
		const res = await host.admin('PATCH', '/users', { keys: [ok1, bad, ok2], data: { status: 'suspended' } });
		expect(res.status).toBe(400);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		expect(res.body.errors[0].message).toContain('from "archived" to "suspended"');
		expect([await statusOf(ok1), await statusOf(ok2), await statusOf(bad)]).toEqual(['active', 'active', 'archived']);
		expect(eventsBefore).toHaveLength(0);
		expect(await host.knex('user_lifecycle_events').whereIn('user', [ok1, ok2, bad]).where({ to: 'suspended' })).toHaveLength(0);
	});

	it('the same by query and as a batch of items: 400, no row changed', async () => {
		const ok = await userIn('active');
		const bad = await userIn('draft');
		const byQuery = await host.admin('PATCH', '/users', { query: { filter: { id: { _in: [ok, bad] } } }, data: { status: 'suspended' } });
		expect(byQuery.status).toBe(400);
		expect(byQuery.body.errors[0].message).toContain('from "draft" to "suspended"');
		const batch = await host.admin('PATCH', '/users', [
			{ id: ok, status: 'suspended' },
			{ id: bad, status: 'suspended' },
		]);
		expect(batch.status).toBe(400);
		expect([await statusOf(ok), await statusOf(bad)]).toEqual(['active', 'draft']);
		expect(await host.knex('user_lifecycle_events').whereIn('user', [ok, bad]).where({ to: 'suspended' })).toHaveLength(0);
	});

	it('the same through GraphQL: refused as a whole; an allowed bulk change is audited once per user', async () => {
		const a = await userIn('active');
		const b = await userIn('active');
		const bad = await userIn('unverified');
		const refused = await graphql(`mutation { update_users_items(ids: ["${a}", "${bad}", "${b}"], data: { status: "suspended" }) { id } }`);
		expect(refused.body.errors?.[0]?.extensions?.code).toBe('INVALID_PAYLOAD');
		expect([await statusOf(a), await statusOf(b), await statusOf(bad)]).toEqual(['active', 'active', 'unverified']);

		const allowed = await graphql(`mutation { update_users_items(ids: ["${a}", "${b}"], data: { status: "suspended" }) { id } }`);
		expect(allowed.body.errors).toBeUndefined();
		expect([await statusOf(a), await statusOf(b)]).toEqual(['suspended', 'suspended']);
		await expect.poll(async () => (await host.knex('user_lifecycle_events').whereIn('user', [a, b]).where({ to: 'suspended' })).length).toBe(2);
		const events = await host.knex('user_lifecycle_events').whereIn('user', [a, b]).where({ to: 'suspended' });
		for (const e of events) expect(e).toMatchObject({ event: 'status', from: 'active', to: 'suspended', actor: adminId, via: 'api' });
	});

	it('a Data Studio style single edit is audited with the admin as actor', async () => {
		const id = await userIn('active');
		expect((await host.admin('PATCH', `/users/${id}`, { status: 'archived' })).status).toBe(200);
		await expect.poll(async () => (await host.knex('user_lifecycle_events').where({ user: id, to: 'archived' })).length).toBe(1);
		const events = await host.admin('GET', `/user-lifecycle/users/${id}/events`);
		expect(events.status).toBe(200);
		expect(events.body.data.at(-1)).toMatchObject({ user: id, from: 'active', to: 'archived', actor: adminId, via: 'api', reason: null });
	});

	it('tfa_secret is not writable through the API, on create or update', async () => {
		const id = await userIn('active');
		const update = await host.admin('PATCH', `/users/${id}`, { tfa_secret: 'JBSWY3DPEHPK3PXP' });
		expect(update.status).toBe(400);
		const email = newEmail();
		const create = await host.admin('POST', '/users', { email, role, tfa_secret: 'JBSWY3DPEHPK3PXP' });
		expect(create.status).toBe(400);
		expect(create.body.errors[0].message).toContain('tfa_secret');
		expect(await host.userByEmail(email)).toBeUndefined();
		expect((await host.knex('directus_users').select('tfa_secret').where({ id }).first()).tfa_secret).toBeNull();
	});

	it('writes that leave the status alone are not slowed into a refusal', async () => {
		const id = await userIn('invited');
		const res = await host.admin('PATCH', `/users/${id}`, { first_name: 'Still invited' });
		expect(res.status).toBe(200);
		expect(await statusOf(id)).toBe('invited');
	});
});
