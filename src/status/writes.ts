// The guard's statements in as few round trips as the database allows, and raw selects' rows.
import type { Knex } from 'knex';
import { dialectOf } from '../shared/util/sql.js';

/**
 * Runs writes one after the other. On PostgreSQL, several become ONE statement (each a
 * data-modifying CTE: all run, on one snapshot, in one round trip; a failing one fails them all).
 * Only for writes to different tables and rows: PostgreSQL leaves the order between CTEs open.
 */
export async function runWrites(knex: Knex, writes: readonly (Knex.QueryBuilder | Knex.Raw)[]): Promise<void> {
	if (writes.length > 1 && dialectOf(knex) === 'postgres') {
		const parts = writes.map((write) => write.toSQL());
		const last = parts.length - 1;
		const ctes = parts.slice(0, last).map((part, i) => `"w${i}" as (${part.sql})`);
		await knex.raw(`with ${ctes.join(', ')} ${parts[last]!.sql}`, parts.flatMap((part) => [...part.bindings]));
		return;
	}
	for (const write of writes) await write;
}

/** The rows of a `knex.raw` select, whatever shape the driver answers in. */
export function rawRows<T = Record<string, unknown>>(result: unknown): T[] {
	if (Array.isArray(result)) {
		// mysql2: [rows, fields]; sqlite3: rows.
		return (Array.isArray(result[0]) ? result[0] : result) as T[];
	}
	const rows = (result as { rows?: unknown } | null)?.rows;
	return Array.isArray(rows) ? (rows as T[]) : [];
}
