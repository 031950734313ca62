import type { Knex } from 'knex';
import { ensureAuditTables } from './audit.js';
import { ensureStudioCollections } from './collections.js';
import { ensureOutboxTables } from './outbox.js';
import { ensureRateLimitTables } from './rate-limits.js';
import { ensureStatusTables } from './status.js';
import { ensureTwoFactorTables } from './two-factor.js';
import { ensureTokenTables } from './tokens.js';

/**
 * Creates the extension's tables when missing (idempotent, every start-up). Each capability owns
 * its tables in its own store module and is listed here. Two instances starting together may
 * race on CREATE TABLE: the loser re-checks instead of failing.
 */
export async function ensureTables(knex: Knex): Promise<void> {
	for (const ensure of [ensureTokenTables, ensureOutboxTables, ensureRateLimitTables, ensureAuditTables, ensureTwoFactorTables, ensureStatusTables]) {
		try {
			await ensure(knex);
		} catch (error) {
			await ensure(knex).catch(() => {
				throw error;
			});
		}
	}
	await ensureStudioCollections(knex);
}
