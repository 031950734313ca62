// Account-status storage: timed suspensions (when a suspension ends).
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { inBatches } from '../shared/util/batch.js';
import { toMillis } from '../shared/util/time.js';

export const SUSPENSIONS_TABLE = 'user_lifecycle_suspensions';

export async function ensureStatusTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, SUSPENSIONS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.bigInteger('until').notNullable().index();
		table.bigInteger('created_at').notNullable();
	});
}

export const STATUS_MIGRATIONS: Migration[] = [{ id: '0006-suspensions', up: ensureStatusTables }];

/** Sets (or replaces) the instant a user's suspension ends. */
export async function setSuspensionEnd(knex: Knex, userId: string, until: number): Promise<void> {
	await knex(SUSPENSIONS_TABLE).where({ user_id: userId }).delete();
	await knex(SUSPENSIONS_TABLE).insert({ user_id: userId, until, created_at: Date.now() });
}

/** Forgets timed suspensions (the user left `suspended`, or the suspension was lifted). */
export async function clearSuspensionEnds(knex: Knex, userIds: string[]): Promise<void> {
	await inBatches(userIds, 500, (batch) => knex(SUSPENSIONS_TABLE).whereIn('user_id', batch).delete());
}

export async function suspensionEnd(knex: Knex, userId: string): Promise<number | null> {
	const row = await knex(SUSPENSIONS_TABLE).select('until').where({ user_id: userId }).first();
	return row ? toMillis(row.until) : null;
}

/** Up to `limit` users whose timed suspension has ended by `now`. */
export async function endedSuspensions(knex: Knex, now: number, limit: number): Promise<string[]> {
	const rows = await knex(SUSPENSIONS_TABLE).select('user_id').where('until', '<=', now).orderBy('until', 'asc').limit(limit);
	return rows.map((r) => String(r.user_id));
}
