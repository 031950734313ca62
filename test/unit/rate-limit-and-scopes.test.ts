// The per-IP counter (a window opens at its key's first hit), the guard's one read before a
// status write, and the scope storage that switches itself off between flows.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { ensureRateLimitTables, hit } from '../../src/shared/rate-limit.js';
import { ensurePendingFlowTables, markPendingFlow } from '../../src/shared/pending-flows.js';
import { ensureStatusTables, guardedUsers, setSuspensionEnd } from '../../src/status/store.js';
import { ScopedStorage } from '../../src/shared/util/scoped.js';

describe('rate-limit counter (SQLite)', () => {
	const store = useSqliteStore(ensureRateLimitTables);

	it('opens a window at the first hit, so quick hits are never split by a clock boundary', async () => {
		const first = await hit(store.knex, 'k', 60_000);
		expect(first.hits).toBe(1);
		expect(first.resetAt).toBeGreaterThanOrEqual(Date.now() + 59_000);
		for (let i = 2; i <= 4; i++) expect((await hit(store.knex, 'k', 60_000)).hits).toBe(i);
		expect((await hit(store.knex, 'k', 60_000)).resetAt).toBe(first.resetAt);
		expect((await hit(store.knex, 'other', 60_000)).hits).toBe(1);
	});

	it('starts over, in the same statement, once the window is over', async () => {
		await hit(store.knex, 'short', 40);
		await hit(store.knex, 'short', 40);
		await new Promise((resolve) => setTimeout(resolve, 60));
		const before = Date.now();
		const again = await hit(store.knex, 'short', 40);
		expect(again.hits).toBe(1);
		// the new window opened at this hit (a loaded machine may take longer than 40 ms to answer)
		expect(again.resetAt).toBeGreaterThanOrEqual(before + 40);
	});

	it('loses no concurrent hit (a caller may see later ones too: it refuses early, never late)', async () => {
		const results = await Promise.all(Array.from({ length: 20 }, () => hit(store.knex, 'burst', 60_000)));
		expect(Math.max(...results.map((r) => r.hits))).toBe(20);
		expect((await hit(store.knex, 'burst', 60_000)).hits).toBe(21);
	});
});

describe("the guard's read (SQLite)", () => {
	const store = useSqliteStore(async (knex) => {
		if (!(await knex.schema.hasTable('directus_users'))) {
			await knex.schema.createTable('directus_users', (t) => {
				t.string('id', 36).primary();
				t.string('status', 16);
			});
		}
		await ensurePendingFlowTables(knex);
		await ensureStatusTables(knex);
	});

	it('tells status, owed flow and timed suspension of each user in one statement', async () => {
		await store.knex('directus_users').insert([
			{ id: 'a', status: 'active' },
			{ id: 'b', status: 'draft' },
			{ id: 'c', status: 'suspended' },
		]);
		await markPendingFlow(store.knex, ['b'], 'verification');
		await setSuspensionEnd(store.knex, 'c', Date.now() + 60_000);
		const queries: string[] = [];
		const listen = (q: { sql: string }) => queries.push(q.sql);
		store.knex.on('query', listen);
		// Five users: through knex, one statement.
		const rows = await guardedUsers(store.knex, ['a', 'b', 'c', 'missing', 'missing-2']);
		expect(queries).toHaveLength(1);
		const expected = [
			{ id: 'a', status: 'active', owes: null, timed: false },
			{ id: 'b', status: 'draft', owes: 'verification', timed: false },
			{ id: 'c', status: 'suspended', owes: null, timed: true },
		];
		expect(rows.sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected);
		// Up to four (a single PATCH reads one): a prepared statement, past knex's query builder; the same answer.
		const few = await guardedUsers(store.knex, ['a', 'b', 'c', 'missing']);
		store.knex.off('query', listen);
		expect(queries).toHaveLength(1);
		expect(few.sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected);
		expect(await guardedUsers(store.knex, ['c'])).toEqual([expected[2]]);
	});
});

describe('ScopedStorage', () => {
	it('gives every async step of a scope its store, and nothing once no scope runs', async () => {
		const scopes = new ScopedStorage<{ name: string }>();
		let late: () => unknown = () => undefined;
		const seen = await scopes.run({ name: 'a' }, async () => {
			await new Promise((resolve) => setTimeout(resolve, 1));
			const inner = await scopes.run({ name: 'b' }, async () => scopes.getStore()?.name);
			late = () => scopes.getStore();
			return [scopes.getStore()?.name, inner];
		});
		expect(seen).toEqual(['a', 'b']);
		expect(scopes.getStore()).toBeUndefined();
		expect(late()).toBeUndefined();
		// and it works again after being switched off
		expect(await scopes.run({ name: 'c' }, async () => scopes.getStore()?.name)).toBe('c');
	});

	it('keeps a scope while another one that started later ends first', async () => {
		const scopes = new ScopedStorage<string>();
		let release: () => void = () => undefined;
		const long = scopes.run('long', async () => {
			await new Promise<void>((resolve) => (release = resolve));
			return scopes.getStore();
		});
		expect(await scopes.run('short', async () => scopes.getStore())).toBe('short');
		release();
		expect(await long).toBe('long');
	});
});
