// The schedule's lease and timed suspensions against a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimLease, clearSuspensionEnds, endedSuspensions, ensureStatusTables, setSuspensionEnd, suspensionEnd } from '../../src/store/status.js';

describe('status store (SQLite)', () => {
	let dir: string;
	let knex: Knex;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ul-status-'));
		knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await ensureStatusTables(knex);
		await ensureStatusTables(knex); // idempotent
	});
	afterAll(async () => {
		await knex.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('a lease is won by one holder per period', async () => {
		const t = 1_000_000;
		expect(await claimLease(knex, 'job', 'a', 500, t)).toBe(true);
		expect(await claimLease(knex, 'job', 'b', 500, t + 10)).toBe(false);
		expect(await claimLease(knex, 'job', 'a', 500, t + 499)).toBe(false);
		expect(await claimLease(knex, 'job', 'b', 500, t + 500)).toBe(true);
		expect(await claimLease(knex, 'other-job', 'b', 500, t + 500)).toBe(true);
	});

	it('of many concurrent claims for one period exactly one wins', async () => {
		const t = 2_000_000;
		const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => claimLease(knex, 'race', `h${i}`, 1000, t)));
		expect(wins.filter(Boolean)).toHaveLength(1);
	});

	it('timed suspensions: set, replace, list the ended ones, clear', async () => {
		await setSuspensionEnd(knex, 'u1', 100);
		await setSuspensionEnd(knex, 'u1', 300);
		await setSuspensionEnd(knex, 'u2', 200);
		expect(await suspensionEnd(knex, 'u1')).toBe(300);
		expect(await endedSuspensions(knex, 250, 10)).toEqual(['u2']);
		expect(await endedSuspensions(knex, 1000, 1)).toEqual(['u2']);
		await clearSuspensionEnds(knex, ['u1', 'u2']);
		expect(await endedSuspensions(knex, 1000, 10)).toEqual([]);
	});
});
