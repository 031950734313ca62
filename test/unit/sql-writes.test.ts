// runWrites: several writes as one statement on PostgreSQL (data-modifying CTEs), bindings in
// order; one after the other elsewhere (a real SQLite file).
import knexFactory, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { createTableIfMissing } from '../../src/shared/migrations.js';
import { dialectOf } from '../../src/shared/util/sql.js';
import { runWrites } from '../../src/status/writes.js';

describe('runWrites', () => {
	it('on PostgreSQL: one statement, each earlier write a CTE, the bindings in statement order', async () => {
		const pg = knexFactory({ client: 'pg' });
		const sent: { sql: string; bindings: unknown[] }[] = [];
		// No server: the statement is caught where it would be sent.
		const raw = async (sql: string, bindings: unknown[]) => void sent.push({ sql, bindings });
		const caught = new Proxy(pg, { get: (target, key) => (key === 'raw' ? raw : Reflect.get(target, key)) });
		await runWrites(caught, [
			pg('events').insert({ id: 'e1', user: 'u1' }),
			pg('directus_sessions').whereIn('user', ['u1', 'u2']).delete(),
			pg('suspensions').where('user_id', 'u3').delete(),
		]);
		expect(sent).toHaveLength(1);
		expect(sent[0]!.sql).toBe(
			'with "w0" as (insert into "events" ("id", "user") values (?, ?)), "w1" as (delete from "directus_sessions" where "user" in (?, ?)) delete from "suspensions" where "user_id" = ?',
		);
		expect(sent[0]!.bindings).toEqual(['e1', 'u1', 'u1', 'u2', 'u3']);
		await pg.destroy();
	});

	describe('elsewhere (SQLite)', () => {
		const store = useSqliteStore(async (knex: Knex) => {
			await createTableIfMissing(knex, 'a', (t) => t.string('id').primary());
			await createTableIfMissing(knex, 'b', (t) => t.string('id').primary());
		});

		it('runs each write, in order', async () => {
			const { knex } = store;
			expect(dialectOf(knex)).toBe('sqlite');
			await knex('b').insert({ id: 'gone' });
			await runWrites(knex, [knex('a').insert({ id: 'x' }), knex('b').where({ id: 'gone' }).delete(), knex('b').insert({ id: 'y' })]);
			expect((await knex('a').select('id')).map((r) => r.id)).toEqual(['x']);
			expect((await knex('b').select('id')).map((r) => r.id)).toEqual(['y']);
		});
	});
});
