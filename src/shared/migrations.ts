// Numbered, idempotent migrations for the extension's tables. Each capability lists its own
// (shared tables are listed here); the runner applies them in id order and records each in
// `user_lifecycle_migrations`. Every `up` is idempotent too: databases set up before this table
// existed already have the first tables, and two instances starting together may both run one.
import type { Knex } from 'knex';

export interface Migration {
	/** "0001-tokens": the number orders migrations across capabilities. */
	id: string;
	/** The tables its `up` creates (kept out of the host's schema unless the Data Studio shows them). */
	tables: readonly string[];
	up: (knex: Knex) => Promise<void>;
}

export const MIGRATIONS_TABLE = 'user_lifecycle_migrations';

export async function migrate(knex: Knex, migrations: readonly Migration[]): Promise<void> {
	const ids = new Set<string>();
	for (const m of migrations) {
		if (!/^\d{4}-[a-z0-9-]+$/.test(m.id) || ids.has(m.id)) throw new Error(`[user-lifecycle] bad or duplicate migration id "${m.id}"`);
		ids.add(m.id);
	}
	await retryOnce(() => createTableIfMissing(knex, MIGRATIONS_TABLE, (t) => {
		t.string('id', 64).primary();
		t.bigInteger('applied_at').notNullable();
	}));
	const applied = new Set((await knex(MIGRATIONS_TABLE).select('id')).map((row: { id: string }) => row.id));
	for (const migration of [...migrations].sort((a, b) => a.id.localeCompare(b.id))) {
		if (applied.has(migration.id)) continue;
		await retryOnce(() => migration.up(knex));
		await knex(MIGRATIONS_TABLE).insert({ id: migration.id, applied_at: Date.now() }).onConflict('id').ignore();
	}
}

/** CREATE TABLE unless it exists: the building block of an idempotent `up`. */
export async function createTableIfMissing(knex: Knex, name: string, build: (table: Knex.CreateTableBuilder) => void): Promise<void> {
	if (await knex.schema.hasTable(name)) return;
	await knex.schema.createTable(name, build);
}

/** Two instances may race on CREATE TABLE: the loser runs the (idempotent) step again instead of failing. */
async function retryOnce(step: () => Promise<void>): Promise<void> {
	try {
		await step();
	} catch (error) {
		await step().catch(() => {
			throw error;
		});
	}
}

/** Every table the extension keeps: the runner's own and each migration's. */
export function extensionTables(migrations: readonly Migration[]): string[] {
	return [...new Set([MIGRATIONS_TABLE, ...migrations.flatMap((migration) => migration.tables)])];
}

/**
 * Adds `tables` to the host's `DB_EXCLUDE_TABLES` (the documented "tables Directus ignores
 * completely"), keeping what the project set there. The host then leaves them out of its schema:
 * no REST or GraphQL door to them, not even an admin's, and a smaller schema for the deep copy
 * the host makes of it on every request (15 tables of ours were about 4% of a `PATCH /users/:id`).
 */
export function keepOutOfHostSchema(env: Record<string, unknown>, tables: readonly string[]): void {
	const current = env['DB_EXCLUDE_TABLES'];
	const listed = Array.isArray(current) ? current.map(String) : typeof current === 'string' ? current.split(',') : [];
	env['DB_EXCLUDE_TABLES'] = [...new Set([...listed.map((table) => table.trim()).filter(Boolean), ...tables])];
}
