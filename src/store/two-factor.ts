// Two-factor storage (recovery codes, accepted OTP time steps, failed-code counters).
// Owned by the two-factor capability; filled in by its issue.
import type { Knex } from 'knex';

export async function ensureTwoFactorTables(_knex: Knex): Promise<void> {}
