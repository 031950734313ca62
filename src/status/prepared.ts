// Prepared statements for the few small statements every status write runs: the guard's read
// before the write and its audit row inside it. Measured inside the host on a single
// `PATCH /users/:id { status }` (each variant run on every request, in rotating order):
// - SQLite, the read: knex.raw 0.40 ms, the driver's own `all` 0.34 ms, a prepared statement
//   0.14 ms (compiling the statement was most of it);
// - PostgreSQL, the read: knex.raw 0.66 ms, the driver unnamed 0.60 ms, a named (prepared)
//   statement 0.34 ms (parsing and planning were most of it).
// The statement runs on a connection of the host's own knex pool (or the transaction's own), so
// it takes part in the same transactions and waits for the same connections as knex's statements.
// What it skips: knex's `query` events (the host's per-statement trace log and metrics).
// Other databases, and everything larger, go through knex as before.
//
// PostgreSQL: a named statement lives on its server connection. A pooler that hands one client's
// statements to other server connections without tracking them (PgBouncer in transaction mode
// before 1.21, or with `max_prepared_statements = 0`) loses it: for such set-ups
// USER_LIFECYCLE_DB_PREPARED_STATEMENTS=false turns named statements off (as Prisma's
// `pgbouncer=true` does); and the first such error turns them off for the process by itself.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { dialectOf, isTransaction } from '../shared/util/sql.js';

/** One statement's text, per dialect that prepares it. */
export interface PreparedSql {
	/** `?` placeholders, identifiers quoted with `"`. */
	readonly sqlite: string;
	/** `$1` … `$n` placeholders. */
	readonly postgres: string;
	/** The PostgreSQL statement's name: one per text (a name is bound to its text on each connection). */
	readonly name: string;
}

export function preparedSql(sqlite: string, postgres: string): PreparedSql {
	return { sqlite, postgres, name: `user_lifecycle_${createHash('sha256').update(postgres).digest('hex').slice(0, 24)}` };
}

let namedStatements = true;
let onLost: (() => void) | null = null;

/**
 * USER_LIFECYCLE_DB_PREPARED_STATEMENTS: `named` false keeps PostgreSQL on unnamed statements;
 * `lost` is told once when a lost statement turned them off.
 */
export function configurePreparedStatements({ named, lost = null }: { named: boolean; lost?: (() => void) | null }): void {
	namedStatements = named;
	onLost = lost;
}

/** Whether `knex` runs `prepared` through the driver (SQLite, PostgreSQL); otherwise the caller uses knex. */
export function preparesOn(knex: Knex): boolean {
	const dialect = dialectOf(knex);
	return dialect === 'sqlite' || dialect === 'postgres';
}

type Row = Record<string, unknown>;

interface SqliteStatement {
	all(params: unknown[], callback: (error: Error | null, rows: Row[]) => void): void;
	run(params: unknown[], callback: (error: Error | null) => void): void;
	finalize(): void;
}
interface SqliteConnection {
	prepare(sql: string): SqliteStatement;
	close(callback?: (error: Error | null) => void): void;
}
interface PgConnection {
	query(config: { text: string; values: unknown[]; name?: string }): Promise<{ rows: Row[] }>;
}

/** More statements than the guard's few texts on one connection: dropped and prepared again. */
const MAX_STATEMENTS_PER_CONNECTION = 32;
const sqliteStatements = new WeakMap<object, Map<string, SqliteStatement>>();

/** Runs `sql` with `values` on SQLite or PostgreSQL (check `preparesOn` first) and answers its rows (none for a write on SQLite). */
export async function runPrepared(knex: Knex, sql: PreparedSql, values: readonly unknown[], { write = false } = {}): Promise<Row[]> {
	if (isTransaction(knex) && (knex as Knex.Transaction).isCompleted()) throw new Error('Transaction query already complete');
	const client = knex.client as { acquireConnection(): Promise<unknown>; releaseConnection(connection: unknown): Promise<unknown> };
	const connection = await client.acquireConnection();
	try {
		if (dialectOf(knex) === 'sqlite') return await onSqlite(connection as SqliteConnection, sql.sqlite, [...values], write);
		return await onPostgres(connection as PgConnection, sql, [...values], isTransaction(knex));
	} finally {
		await client.releaseConnection(connection);
	}
}

function onSqlite(connection: SqliteConnection, text: string, values: unknown[], write: boolean): Promise<Row[]> {
	let statements = sqliteStatements.get(connection);
	if (!statements) {
		statements = new Map();
		sqliteStatements.set(connection, statements);
		// SQLite refuses to close a connection with statements left open (SQLITE_BUSY): they are
		// finalized first (at once, even with one still queued: the driver runs it before).
		const held = statements;
		const close = connection.close.bind(connection);
		connection.close = (callback) => {
			finalizeAll(held);
			close(callback);
		};
	}
	let statement = statements.get(text);
	if (!statement) {
		if (statements.size >= MAX_STATEMENTS_PER_CONNECTION) finalizeAll(statements);
		statement = connection.prepare(text);
		statements.set(text, statement);
	}
	const prepared = statement;
	return new Promise((resolve, reject) => {
		if (write) prepared.run(values, (error) => (error ? reject(error) : resolve([])));
		else prepared.all(values, (error, rows) => (error ? reject(error) : resolve(rows)));
	});
}

function finalizeAll(statements: Map<string, SqliteStatement>): void {
	for (const statement of statements.values()) statement.finalize();
	statements.clear();
}

/** `prepared statement "…" does not exist` / `… already exists`: a pooler between us and the server. */
const LOST_STATEMENT_CODES = new Set(['26000', '42P05']);

async function onPostgres(connection: PgConnection, sql: PreparedSql, values: unknown[], inTransaction: boolean): Promise<Row[]> {
	const unnamed = async () => (await connection.query({ text: sql.postgres, values })).rows;
	if (!namedStatements) return unnamed();
	try {
		return (await connection.query({ name: sql.name, text: sql.postgres, values })).rows;
	} catch (error) {
		if (!LOST_STATEMENT_CODES.has(String((error as { code?: unknown }).code))) throw error;
		// Later statements go unnamed. This one is run again unless it was in a transaction (the
		// failed statement ended that transaction's work: the write fails as a whole, once).
		if (namedStatements) {
			namedStatements = false;
			onLost?.();
		}
		if (inTransaction) throw error;
		return unnamed();
	}
}
