// What the host's database is, and running several writes in as few round trips as it allows.
import type { Knex } from 'knex';

export type Dialect = 'sqlite' | 'postgres' | 'mysql' | 'other';

// Per knex client (a transaction shares its parent's config object): read once, not per statement.
const dialects = new WeakMap<object, Dialect>();

export function dialectOf(knex: Knex): Dialect {
	const config = (knex.client as { config?: { client?: unknown } }).config;
	if (!config) return readDialect('');
	let dialect = dialects.get(config);
	if (dialect === undefined) {
		dialect = readDialect(String(config.client ?? ''));
		dialects.set(config, dialect);
	}
	return dialect;
}

function readDialect(client: string): Dialect {
	if (client.startsWith('sqlite') || client === 'better-sqlite3') return 'sqlite';
	if (/^(pg|postgres)/.test(client)) return 'postgres';
	if (/^mysql|^mariadb/.test(client)) return 'mysql';
	return 'other';
}

export function isTransaction(knex: Knex): boolean {
	return (knex as Knex & { isTransaction?: boolean }).isTransaction === true;
}

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
