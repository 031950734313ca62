// Account-status storage: timed suspensions (when a suspension ends).
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { PENDING_FLOWS_TABLE, type PendingFlow } from '../shared/pending-flows.js';
import { USERS_TABLE } from '../shared/users.js';
import { chunks, inBatches } from '../shared/util/batch.js';
import { preparedSql, preparesOn, runPrepared, type PreparedSql } from './prepared.js';
import { AUDIT_COLUMNS, AUDIT_TABLE, auditRows, type AuditEvent } from '../shared/audit.js';
import { recordAuditBatch } from './audit-inserts.js';
import { dialectOf } from '../shared/util/sql.js';
import { rawRows } from './writes.js';
import { toMillis } from '../shared/util/time.js';

export const SUSPENSIONS_TABLE = 'user_lifecycle_suspensions';

export async function ensureStatusTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, SUSPENSIONS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.bigInteger('until').notNullable().index();
		table.bigInteger('created_at').notNullable();
	});
}

export const STATUS_MIGRATIONS: Migration[] = [{ id: '0006-suspensions', tables: [SUSPENSIONS_TABLE], up: ensureStatusTables }];

/** Sets (or replaces) the instant a user's suspension ends. */
export async function setSuspensionEnd(knex: Knex, userId: string, until: number): Promise<void> {
	await knex(SUSPENSIONS_TABLE).where({ user_id: userId }).delete();
	await knex(SUSPENSIONS_TABLE).insert({ user_id: userId, until, created_at: Date.now() });
}

/** Forgets timed suspensions (the user left `suspended`, or the suspension was lifted). */
export async function clearSuspensionEnds(knex: Knex, userIds: string[]): Promise<void> {
	for (const write of suspensionEndDeletes(knex, userIds)) await write;
}

/** The deletes behind clearSuspensionEnds, not yet run (500 users a statement). */
export function suspensionEndDeletes(knex: Knex, userIds: readonly string[]): Knex.QueryBuilder[] {
	return chunks(userIds, 500).map((batch) => knex(SUSPENSIONS_TABLE).whereIn('user_id', batch).delete());
}

export async function suspensionEnd(knex: Knex, userId: string): Promise<number | null> {
	const row = await knex(SUSPENSIONS_TABLE).select('until').where({ user_id: userId }).first();
	return row ? toMillis(row.until) : null;
}

/** The suspension ends of those of `userIds` that have one. */
export async function suspensionEnds(knex: Knex, userIds: string[]): Promise<Map<string, number>> {
	const ends = new Map<string, number>();
	for (const batch of chunks(userIds, 500)) {
		for (const row of await knex(SUSPENSIONS_TABLE).select('user_id', 'until').whereIn('user_id', batch)) ends.set(String(row.user_id), toMillis(row.until)!);
	}
	return ends;
}

/** Up to `limit` users whose timed suspension has ended by `now`. */
export async function endedSuspensions(knex: Knex, now: number, limit: number): Promise<string[]> {
	const rows = await knex(SUSPENSIONS_TABLE).select('user_id').where('until', '<=', now).orderBy('until', 'asc').limit(limit);
	return rows.map((r) => String(r.user_id));
}

/** What the guard needs to know of a user before a status write. */
export interface GuardedUser {
	id: string;
	status: string | null;
	/** The flow the account still owes (invitation, verification), if any. */
	owes: PendingFlow | null;
	/** A timed suspension end is recorded. */
	timed: boolean;
}

type GuardedRow = { id: unknown; status: string | null; flow: PendingFlow | null; timed: unknown };

// The read's text per dialect and batch size, built once (a single PATCH asks for the same one every time).
const guardedUsersSqls = new Map<string, string>();

function guardedUsersSql(postgres: boolean, count: number): string {
	const key = `${postgres ? 'pg' : 'any'}:${count}`;
	let sql = guardedUsersSqls.get(key);
	if (sql === undefined) {
		// PostgreSQL keeps directus_users.id as uuid and our user_id columns as text: compare as text.
		const userId = postgres ? 'u.id::text' : 'u.id';
		// Plain SQL, two primary-key lookups per user as sub-selects: in the host's process the query
		// builder and the joins' planning were most of this read's time on a single PATCH (SQLite:
		// 1.2 -> 0.9 ms measured inside the host).
		sql = `select u.id, u.status, (select p.flow from ?? p where p.user_id = ${userId}) as flow, (select s.user_id from ?? s where s.user_id = ${userId}) as timed from ?? u where u.id in (${Array.from({ length: count }, () => '?').join(', ')})`;
		guardedUsersSqls.set(key, sql);
	}
	return sql;
}

/** Up to this many users are read through a prepared statement (prepared.ts): a single PATCH reads one. */
const PREPARED_READ_USERS = 4;
const preparedGuardedUsersSqls = new Map<number, PreparedSql>();

function preparedGuardedUsersSql(count: number): PreparedSql {
	let sql = preparedGuardedUsersSqls.get(count);
	if (!sql) {
		const text = (userId: string, placeholder: (n: number) => string) =>
			`select u.id, u.status, (select p.flow from "${PENDING_FLOWS_TABLE}" p where p.user_id = ${userId}) as flow, (select s.user_id from "${SUSPENSIONS_TABLE}" s where s.user_id = ${userId}) as timed from "${USERS_TABLE}" u where u.id in (${Array.from({ length: count }, (_, i) => placeholder(i + 1)).join(', ')})`;
		sql = preparedSql(text('u.id', () => '?'), text('u.id::text', (n) => `$${n}`));
		preparedGuardedUsersSqls.set(count, sql);
	}
	return sql;
}

/**
 * The guard's one read before a status write: each user's status, pending flow and timed
 * suspension, in one statement per 500 users (on a single `PATCH` each extra statement is a
 * measurable share of the request: bench/).
 */
export async function guardedUsers(knex: Knex, ids: readonly (string | number)[]): Promise<GuardedUser[]> {
	const postgres = dialectOf(knex) === 'postgres';
	const rows =
		ids.length <= PREPARED_READ_USERS && preparesOn(knex)
			? [(await runPrepared(knex, preparedGuardedUsersSql(ids.length), ids)) as GuardedRow[]]
			: await inBatches(ids, 500, async (batch) => rawRows<GuardedRow>(await knex.raw(guardedUsersSql(postgres, batch.length), [PENDING_FLOWS_TABLE, SUSPENSIONS_TABLE, USERS_TABLE, ...batch])));
	return rows.flat().map((row) => ({
		id: String(row.id),
		status: row.status ?? null,
		owes: row.flow ?? null,
		timed: row.timed !== null && row.timed !== undefined,
	}));
}

/** Each user's status as it stands (inside a write's transaction: as that write left it). */
export async function writtenStatuses(knex: Knex, ids: readonly string[]): Promise<Map<string, string | null>> {
	const rows = await inBatches(ids, 500, (batch) => knex(USERS_TABLE).select('id', 'status').whereIn('id', batch));
	return new Map(rows.flat().map((row: { id: unknown; status: string | null }) => [String(row.id), row.status ?? null]));
}

/** Up to this many records go in through a prepared statement: a single status write records one. */
export const PREPARED_AUDIT_ROWS = 4;
const preparedInserts = new Map<number, PreparedSql>();

function preparedInsert(count: number): PreparedSql {
	let sql = preparedInserts.get(count);
	if (!sql) {
		const head = `insert into "${AUDIT_TABLE}" (${AUDIT_COLUMNS.map((column) => `"${column}"`).join(', ')}) values `;
		const tuples = (placeholder: (n: number) => string) =>
			Array.from({ length: count }, (_, row) => `(${AUDIT_COLUMNS.map((_column, i) => placeholder(row * AUDIT_COLUMNS.length + i + 1)).join(', ')})`).join(', ');
		sql = preparedSql(head + tuples(() => '?'), head + tuples((n) => `$${n}`));
		preparedInserts.set(count, sql);
	}
	return sql;
}

/**
 * The insert of a few records (up to PREPARED_AUDIT_ROWS, on SQLite and PostgreSQL) as a
 * prepared statement (prepared.ts), not yet run; null where `auditInserts` is the way.
 */
export function preparedAuditInsert(knex: Knex, events: readonly AuditEvent[]): (() => Promise<void>) | null {
	if (events.length === 0 || events.length > PREPARED_AUDIT_ROWS || !preparesOn(knex)) return null;
	const rows = auditRows(events);
	const sql = preparedInsert(rows.length);
	return async () => {
		await runPrepared(knex, sql, rows.flatMap((row) => AUDIT_COLUMNS.map((column) => row[column])), { write: true });
	};
}

/** The guard's records: a few through the prepared insert, more through `auditInserts`' batches. */
export async function recordStatusEvents(knex: Knex, events: AuditEvent[]): Promise<void> {
	const prepared = preparedAuditInsert(knex, events);
	if (prepared) return prepared();
	await recordAuditBatch(knex, events);
}
