// What the host's database is, and whether a knex handle is a transaction.
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

/** A transaction the database rolled back whole to break a deadlock (or a serialization conflict): safe to run again. */
export function isDeadlock(error: unknown): boolean {
	const e = error as { code?: unknown; sqlState?: unknown; errno?: unknown } | null;
	return e?.code === 'ER_LOCK_DEADLOCK' || e?.errno === 1213 || e?.code === '40P01' || e?.code === '40001' || e?.sqlState === '40001';
}

/**
 * Runs `transaction` again when the database chose it as a deadlock's victim (MariaDB's gap locks
 * when two transactions of one user take the same rows at once): at most `tries` times, a few
 * milliseconds apart.
 */
export async function retryDeadlocks<T>(transaction: () => Promise<T>, tries = 4): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await transaction();
		} catch (error) {
			if (attempt >= tries || !isDeadlock(error)) throw error;
			await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
		}
	}
}
