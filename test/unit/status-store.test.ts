// The schedule's lease and timed suspensions against a real SQLite file.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { claimLease, ensureLeaseTables } from '../../src/shared/leases.js';
import { clearSuspensionEnds, endedSuspensions, ensureStatusTables, setSuspensionEnd, suspensionEnd } from '../../src/status/store.js';

describe('status store (SQLite)', () => {
	const store = useSqliteStore(async (knex) => {
		await ensureStatusTables(knex);
		await ensureLeaseTables(knex);
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
});
