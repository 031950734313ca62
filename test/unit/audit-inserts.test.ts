// The audit trail's inserts: on SQLite plain multi-row VALUES lists (1,000 rows a statement), on
// the other databases the query builder's inserts; every event lands once, with its fields.
import knexFactory, { type Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { AUDIT_TABLE, ensureAuditTables, recordEvents, type AuditEvent } from '../../src/shared/audit.js';
import { auditInserts, recordAuditBatch } from '../../src/status/audit-inserts.js';
import { toEventView } from '../../src/status/audit-reader.js';

const events = (count: number, tag: string): AuditEvent[] =>
	Array.from({ length: count }, (_, i) => ({ user: `${tag}-${String(i).padStart(4, '0')}`, event: 'status', from: i % 2 ? 'active' : null, to: 'suspended', actor: i % 3 ? 'admin-1' : null, via: 'api', reason: i === 7 ? "it's a 'reason'" : null }));

describe('audit inserts on SQLite', () => {
	const store = useSqliteStore(ensureAuditTables);

	it('one VALUES statement per 1,000 rows, reserved column names quoted', () => {
		const statements = auditInserts(store.knex, events(1001, 'plan'));
		expect(statements).toHaveLength(2);
		const first = statements[0]!.toSQL();
		expect(first.sql).toMatch(/^insert into `user_lifecycle_events` \(`id`, `user`, `event`, `from`, `to`, `actor`, `via`, `reason`, `at`\) values \(\?, /);
		expect(first.sql).not.toMatch(/union all|select/i);
		expect(first.bindings).toHaveLength(9000);
		expect(statements[1]!.toSQL().bindings).toHaveLength(9);
	});

	it('records every event once, with its fields, ids in the order the events came', async () => {
		const { knex } = store;
		const given = events(1234, 'rec');
		const before = Date.now();
		await knex.transaction((trx) => recordAuditBatch(trx, given));
		const rows = (await knex(AUDIT_TABLE).where('user', 'like', 'rec-%').orderBy('id')) as Record<string, unknown>[];
		expect(rows).toHaveLength(1234);
		expect(rows.map((r) => r['user'])).toEqual(given.map((e) => e.user));
		const seven = rows[7]!;
		expect(seven).toMatchObject({ event: 'status', from: 'active', to: 'suspended', actor: 'admin-1', via: 'api', reason: "it's a 'reason'" });
		expect(rows[0]).toMatchObject({ from: null, actor: null, reason: null });
		const at = Date.parse(toEventView(seven).at);
		expect(at).toBeGreaterThanOrEqual(before - 1);
		expect(at).toBeLessThanOrEqual(Date.now() + 1);
		expect(new Set(rows.map((r) => r['id'])).size).toBe(1234);
	});

	it('records a flow\'s few events through recordEvents, each once', async () => {
		await store.knex.transaction((trx) => recordEvents(trx, events(3, 'few')));
		expect(await store.knex(AUDIT_TABLE).where('user', 'like', 'few-%').count({ n: '*' }).first()).toMatchObject({ n: 3 });
	});

	it('records nothing for no events', async () => {
		expect(auditInserts(store.knex, [])).toHaveLength(0);
	});
});

describe('audit inserts on PostgreSQL', () => {
	it('one unnest insert per 1,000 rows, nine array parameters each', async () => {
		const knex: Knex = knexFactory({ client: 'pg' });
		const statements = auditInserts(knex, events(1001, 'pg'));
		expect(statements).toHaveLength(2);
		const { sql, bindings } = statements[0]!.toSQL();
		expect(sql).toContain('insert into "user_lifecycle_events" ("id", "user", "event", "from", "to", "actor", "via", "reason", "at") select * from unnest(');
		expect(bindings).toHaveLength(9);
		expect((bindings[0] as unknown[]).length).toBe(1000);
		expect((statements[1]!.toSQL().bindings[1] as unknown[]).length).toBe(1);
		await knex.destroy();
	});
});

describe('audit inserts elsewhere', () => {
	const cases: [string, number][] = [
		['mysql2', 2],
		['mssql', 6],
	];
	for (const [client, count] of cases) {
		it(`${client}: the query builder's inserts, ${count} statements for 1,001 rows`, async () => {
			const knex: Knex = knexFactory({ client });
			const statements = auditInserts(knex, events(1001, client));
			expect(statements).toHaveLength(count);
			const { sql } = statements[0]!.toSQL();
			expect(sql.startsWith('insert into ') && sql.includes('user_lifecycle_events') && sql.includes(') values (')).toBe(true);
			await knex.destroy();
		});
	}
});
