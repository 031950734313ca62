// Two-factor storage (recovery codes, accepted OTP time steps, failed-code counters).
// Owned by the two-factor capability; filled in by its issue.
import type { Knex } from 'knex';

export async function ensureTwoFactorTables(_knex: Knex): Promise<void> {}

/** Deletes accepted-step and failed-attempt records older than `olderThan`, at most `limit` per call (the schedule). */
export async function pruneTwoFactorRecords(_knex: Knex, _olderThan: number, _limit: number): Promise<number> {
	return 0;
}
