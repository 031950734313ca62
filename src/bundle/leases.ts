// The schedule's lease: one row per job, claimed by one conditional UPDATE, so one instance of a
// cluster runs each period. (The host's own schedule lock is per process unless Redis is set.)
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';

export const LEASES_TABLE = 'user_lifecycle_leases';

export async function ensureLeaseTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, LEASES_TABLE, (table) => {
		table.string('job', 64).primary();
		table.bigInteger('lease_until').notNullable();
		table.string('holder', 64).nullable();
	});
}

export const LEASE_MIGRATIONS: Migration[] = [{ id: '0007-leases', tables: [LEASES_TABLE], up: ensureLeaseTables }];

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
