// Account-status storage: timed suspensions (when a suspension ends) and the schedule's lease
// (one row per job, claimed by one conditional UPDATE so one instance of a cluster runs a period).
import type { Knex } from 'knex';
import { toMillis } from './time.js';

export const SUSPENSIONS_TABLE = 'user_lifecycle_suspensions';
export const LEASES_TABLE = 'user_lifecycle_leases';

export async function ensureStatusTables(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(SUSPENSIONS_TABLE))) {
		await knex.schema.createTable(SUSPENSIONS_TABLE, (table) => {
			table.string('user_id', 36).primary();
			table.bigInteger('until').notNullable().index();
			table.bigInteger('created_at').notNullable();
		});
	}
	if (!(await knex.schema.hasTable(LEASES_TABLE))) {
		await knex.schema.createTable(LEASES_TABLE, (table) => {
			table.string('job', 64).primary();
			table.bigInteger('lease_until').notNullable();
			table.string('holder', 64).nullable();
		});
	}
}

/** Sets (or replaces) the instant a user's suspension ends. */
export async function setSuspensionEnd(knex: Knex, userId: string, until: number): Promise<void> {
	await knex(SUSPENSIONS_TABLE).where({ user_id: userId }).delete();
	await knex(SUSPENSIONS_TABLE).insert({ user_id: userId, until, created_at: Date.now() });
}

/** Forgets timed suspensions (the user left `suspended`, or the suspension was lifted). */
export async function clearSuspensionEnds(knex: Knex, userIds: string[]): Promise<void> {
	for (let i = 0; i < userIds.length; i += 500) await knex(SUSPENSIONS_TABLE).whereIn('user_id', userIds.slice(i, i + 500)).delete();
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

/**
 * Claims `job` until `now + leaseMs` for `holder`: true for exactly one caller while the lease
 * runs, whatever the number of instances. The row is created on first use; a lost insert race
 * falls through to the conditional UPDATE like everyone else.
 */
export async function claimLease(knex: Knex, job: string, holder: string, leaseMs: number, now = Date.now()): Promise<boolean> {
	const existing = await knex(LEASES_TABLE).select('job').where({ job }).first();
	if (!existing) {
		try {
			await knex(LEASES_TABLE).insert({ job, lease_until: now + leaseMs, holder });
			return true;
		} catch {
			// Another instance created the row first: compete on the UPDATE below.
		}
	}
	const won = await knex(LEASES_TABLE)
		.where({ job })
		.where('lease_until', '<=', now)
		.update({ lease_until: now + leaseMs, holder });
	return won === 1;
}
