// The audit trail: one row per lifecycle event (a status change, a two-factor reset, ...).
// Written only by the extension (with knex, never through the host's item services), so the
// collection stays read-only for everyone while admins browse it in the Data Studio.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from './migrations.js';
import { chunks } from './util/batch.js';
import { dialectOf } from './util/sql.js';
import { orderedId } from './util/crypto.js';

export const AUDIT_TABLE = 'user_lifecycle_events';

export interface AuditEvent {
	user: string;
	/** 'status' for a status change; other kinds: 'tfa-reset', ... */
	event: string;
	from?: string | null;
	to?: string | null;
	/** The user who made the change, or null for the public / the system. */
	actor: string | null;
	/** The path that made it: 'registration', 'invitation', 'api', 'schedule', 'tfa-reset', ... */
	via: string;
	reason?: string | null;
}

export async function ensureAuditTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, AUDIT_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user', 36).notNullable().index();
		table.string('event', 32).notNullable();
		table.string('from', 32).nullable();
		table.string('to', 32).nullable();
		table.string('actor', 36).nullable();
		table.string('via', 64).notNullable();
		table.text('reason').nullable();
		// Milliseconds: MySQL's TIMESTAMP would otherwise keep whole seconds and lose the order.
		table.timestamp('at', { useTz: true, precision: 3 }).notNullable().index();
	});
}

export const AUDIT_MIGRATIONS: Migration[] = [{ id: '0004-audit', tables: [AUDIT_TABLE], up: ensureAuditTables }];

export async function recordEvents(knex: Knex, events: AuditEvent[]): Promise<void> {
	for (const insert of auditInserts(knex, events)) await insert;
}

export const AUDIT_COLUMNS = ['id', 'user', 'event', 'from', 'to', 'actor', 'via', 'reason', 'at'] as const;
export type AuditRow = Record<(typeof AUDIT_COLUMNS)[number], string | Date | null>;

/**
 * Rows a statement. SQLite, PostgreSQL and MySQL take 1,000 rows of 9 values in one statement (far
 * under their bound-variable caps: 32,766 / 65,535 / none); others (SQL Server's 2,100
 * parameters) take 200.
 */
const ROWS_PER_INSERT = { sqlite: 1000, postgres: 1000, mysql: 1000, other: 200 } as const;
/** The SQLite insert's fixed parts (built once: every single status write records a row). */
const VALUES_HEAD = `insert into ?? (${AUDIT_COLUMNS.map(() => '??').join(', ')}) values `;
const VALUES_TUPLE = `(${AUDIT_COLUMNS.map(() => '?').join(', ')})`;
/** The PostgreSQL insert: the rows as one array per column (`at` a timestamp, the rest text). */
const UNNEST_INSERT = `insert into ?? (${AUDIT_COLUMNS.map(() => '??').join(', ')}) select * from unnest(${AUDIT_COLUMNS.map((column) => (column === 'at' ? '?::timestamptz[]' : '?::text[]')).join(', ')})`;

/**
 * The inserts that record `events`, not yet run. On SQLite a plain multi-row VALUES list: the
 * query builder writes a multi-row insert there as a compound SELECT (`select ... union all
 * select ...`), which SQLite plans term by term (measured outside the host, 1,000 rows in a
 * transaction: 44 -> 31 ms, of which the builder's own JavaScript 5.7 -> 2.5 ms).
 */
export function auditInserts(knex: Knex, events: readonly AuditEvent[]): (Knex.QueryBuilder | Knex.Raw)[] {
	const rows = auditRows(events);
	const dialect = dialectOf(knex);
	const batches = chunks(rows, ROWS_PER_INSERT[dialect]);
	// PostgreSQL: one array per column, nine parameters whatever the rows (outside the host, 1,000
	// rows in a transaction: 29.2 ms as a builder insert, 12.6 ms as unnest).
	if (dialect === 'postgres') return batches.map((batch) => knex.raw(UNNEST_INSERT, [AUDIT_TABLE, ...AUDIT_COLUMNS, ...AUDIT_COLUMNS.map((column) => batch.map((row) => row[column]))]));
	if (dialect !== 'sqlite') return batches.map((batch) => knex(AUDIT_TABLE).insert(batch));
	return batches.map((batch) =>
		knex.raw(VALUES_HEAD + batch.map(() => VALUES_TUPLE).join(', '), [AUDIT_TABLE, ...AUDIT_COLUMNS, ...batch.flatMap((row) => AUDIT_COLUMNS.map((column) => row[column]))]),
	);
}

export function auditRows(events: readonly AuditEvent[]): AuditRow[] {
	const at = new Date();
	return events.map((e) => ({
		id: orderedId(),
		user: e.user,
		event: e.event,
		from: e.from ?? null,
		to: e.to ?? null,
		actor: e.actor,
		via: e.via,
		reason: e.reason ?? null,
		at,
	}));
}
