// The schedule's lease and timed suspensions against a real SQLite file.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { claimLease, ensureLeaseTables } from '../../src/bundle/leases.js';
import { markPendingFlow, ensurePendingFlowTables } from '../../src/shared/pending-flows.js';
import { rawRows } from '../../src/status/writes.js';
import { clearSuspensionEnds, endedSuspensions, ensureStatusTables, guardedUsers, setSuspensionEnd, suspensionEnd } from '../../src/status/store.js';

describe('status store (SQLite)', () => {
	const store = useSqliteStore(async (knex) => {
		await ensureStatusTables(knex);
		await ensureLeaseTables(knex);
		await ensurePendingFlowTables(knex);
		if (!(await knex.schema.hasTable('directus_users'))) {
			await knex.schema.createTable('directus_users', (table) => {
				table.uuid('id').primary();
				table.string('status', 16);
			});
		}
	});

	it('a lease is won by one holder per period', async () => {
		const t = 1_000_000;
		expect(await claimLease(store.knex, 'job', 'a', 500, t)).toBe(true);
		expect(await claimLease(store.knex, 'job', 'b', 500, t + 10)).toBe(false);
		expect(await claimLease(store.knex, 'job', 'a', 500, t + 499)).toBe(false);
		expect(await claimLease(store.knex, 'job', 'b', 500, t + 500)).toBe(true);
		expect(await claimLease(store.knex, 'other-job', 'b', 500, t + 500)).toBe(true);
	});

	it('of many concurrent claims for one period exactly one wins', async () => {
		const t = 2_000_000;
		const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => claimLease(store.knex, 'race', `h${i}`, 1000, t)));
		expect(wins.filter(Boolean)).toHaveLength(1);
	});

	it('timed suspensions: set, replace, list the ended ones, clear', async () => {
		await setSuspensionEnd(store.knex, 'u1', 100);
		await setSuspensionEnd(store.knex, 'u1', 300);
		await setSuspensionEnd(store.knex, 'u2', 200);
		expect(await suspensionEnd(store.knex, 'u1')).toBe(300);
		expect(await endedSuspensions(store.knex, 250, 10)).toEqual(['u2']);
		expect(await endedSuspensions(store.knex, 1000, 1)).toEqual(['u2']);
		await clearSuspensionEnds(store.knex, ['u1', 'u2']);
		expect(await endedSuspensions(store.knex, 1000, 10)).toEqual([]);
	});

	it("the guard's read: each user's status, the flow it owes and a timed end, in batches of 500; unknown ids are absent", async () => {
		const ids = Array.from({ length: 502 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
		for (let i = 0; i < ids.length; i += 100) {
			await store.knex('directus_users').insert(ids.slice(i, i + 100).map((id, k) => ({ id, status: (i + k) % 2 ? 'suspended' : 'active' })));
		}
		await markPendingFlow(store.knex, [ids[1]!], 'invitation');
		await markPendingFlow(store.knex, [ids[501]!], 'verification');
		await setSuspensionEnd(store.knex, ids[3]!, Date.now() + 60_000);
		const rows = await guardedUsers(store.knex, [...ids, 'not-a-user']);
		expect(rows).toHaveLength(502);
		const byId = new Map(rows.map((row) => [row.id, row]));
		expect(byId.get(ids[0]!)).toEqual({ id: ids[0], status: 'active', owes: null, timed: false });
		expect(byId.get(ids[1]!)).toEqual({ id: ids[1], status: 'suspended', owes: 'invitation', timed: false });
		expect(byId.get(ids[3]!)).toEqual({ id: ids[3], status: 'suspended', owes: null, timed: true });
		expect(byId.get(ids[501]!)).toEqual({ id: ids[501], status: 'suspended', owes: 'verification', timed: false });
		expect(await guardedUsers(store.knex, ['not-a-user'])).toEqual([]);
	});

	it('rawRows reads the rows of each driver: sqlite3 (rows), mysql2 ([rows, fields]), pg ({ rows })', () => {
		const rows = [{ a: 1 }];
		expect(rawRows(rows)).toEqual(rows);
		expect(rawRows([rows, [{ name: 'a' }]])).toEqual(rows);
		expect(rawRows([[], []])).toEqual([]);
		expect(rawRows({ rows })).toEqual(rows);
		expect(rawRows([])).toEqual([]);
		expect(rawRows(undefined)).toEqual([]);
	});
});
