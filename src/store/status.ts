// Account-status storage (timed suspensions, the schedule's lease). Owned by the guard capability.
import type { Knex } from 'knex';

export async function ensureStatusTables(_knex: Knex): Promise<void> {}
