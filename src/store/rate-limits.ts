// A fixed-window counter per key in the database, so every instance shares it. Serves the
// host's registration limit (RATE_LIMITER_REGISTRATION_*) on routes the host's limiter no longer sees.
import type { Knex } from 'knex';

export const RATE_TABLE = 'user_lifecycle_rate_limits';

export async function ensureRateLimitTables(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(RATE_TABLE)) return;
	await knex.schema.createTable(RATE_TABLE, (table) => {
		table.string('key', 255).primary();
		table.integer('hits').notNullable();
		table.bigInteger('expires_at').notNullable().index();
	});
}

/** Counts one hit for `key` in the current window; returns the hits so far and when the window ends. */
export async function hit(knex: Knex, key: string, windowMs: number): Promise<{ hits: number; resetAt: number }> {
	const now = Date.now();
	const window = Math.floor(now / windowMs);
	const resetAt = (window + 1) * windowMs;
	const rowKey = `${key}:${window}`.slice(0, 255);
	await knex(RATE_TABLE)
		.insert({ key: rowKey, hits: 1, expires_at: resetAt })
		.onConflict('key')
		.merge({ hits: knex.raw('??.?? + 1', [RATE_TABLE, 'hits']) });
	const row = await knex(RATE_TABLE).select('hits').where({ key: rowKey }).first();
	if (Math.random() < 0.02) await knex(RATE_TABLE).where('expires_at', '<', now).delete();
	return { hits: Number(row?.hits ?? 1), resetAt };
}
