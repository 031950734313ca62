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
