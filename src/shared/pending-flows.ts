// Accounts whose invitation or email verification is still pending. While a user is `invited` or
// `unverified` the transition table alone keeps them from `active`; this record remembers it
// once they leave that status some other way (`invited -> draft`, `unverified -> archived`, a
// registration held as `draft`), so no chain of allowed cells reaches `active` around the flow.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from './migrations.js';
import { inBatches } from './util/batch.js';

export const PENDING_FLOWS_TABLE = 'user_lifecycle_pending_flows';

/** The flow an account still owes: accepting its invitation, or verifying its email. */
export type PendingFlow = 'invitation' | 'verification';

export async function ensurePendingFlowTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, PENDING_FLOWS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.string('flow', 32).notNullable();
		table.bigInteger('since').notNullable();
	});
}

export const PENDING_FLOW_MIGRATIONS: Migration[] = [{ id: '0009-pending-flows', tables: [PENDING_FLOWS_TABLE], up: ensurePendingFlowTables }];

/** Records that these users still owe `flow` (kept if already recorded). */
export async function markPendingFlow(knex: Knex, userIds: string[], flow: PendingFlow, now = Date.now()): Promise<void> {
	await inBatches(userIds, 500, (batch) =>
		knex(PENDING_FLOWS_TABLE)
			.insert(batch.map((user_id) => ({ user_id, flow, since: now })))
			.onConflict('user_id')
			.ignore(),
	);
}

/** The flow completed (invitation accepted, email verified): the record goes. */
export async function clearPendingFlow(knex: Knex, userIds: string[]): Promise<void> {
	await inBatches(userIds, 500, (batch) => knex(PENDING_FLOWS_TABLE).whereIn('user_id', batch).delete());
}

/** The pending flow of each of `userIds` that has one. */
export async function pendingFlowsOf(knex: Knex, userIds: readonly string[]): Promise<Map<string, PendingFlow>> {
	const rows = (await inBatches(userIds, 500, (batch) => knex(PENDING_FLOWS_TABLE).select('user_id', 'flow').whereIn('user_id', batch))).flat();
	return new Map(rows.map((row: { user_id: string; flow: PendingFlow }) => [String(row.user_id), row.flow]));
}
