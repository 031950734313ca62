// Email change's links in the shared token store: the confirmation (to the new address; one live
// per user: a new request revokes the one before) and the revert links (to the old address; each
// mail's own, all live for their 7 days, so a revert of the first change still works after a
// second change).
import type { Knex } from 'knex';
import { TOKENS_TABLE } from '../shared/link-tokens.js';

export const CONFIRM_KIND = 'email-change';
export const REVERT_KIND = 'email-change-revert';
export const CONFIRM_TTL_MS = 24 * 3600_000;
export const REVERT_TTL_MS = 7 * 24 * 3600_000;

/** What a confirmation link stores: the address it moves from and to. */
export interface ConfirmData {
	from: string;
	to: string;
}

/** What a revert link stores: the address it brings back. */
export interface RevertData {
	email: string;
}

/** When a token was issued (its row's `created_at`). */
export async function issuedAt(knex: Knex, tokenId: string): Promise<number> {
	const row = await knex(TOKENS_TABLE).select('created_at').where({ id: tokenId }).first();
	return Number(row?.created_at ?? 0);
}

/**
 * After a revert: the pending confirmation dies, and so does every revert link issued after the
 * one spent (it would bring back an address the account only had since). Earlier revert links
 * stay: a change made with a stolen session can't take the owner's way back away.
 */
export async function revokeAfterRevert(knex: Knex, userId: string, spentIssuedAt: number, now = Date.now()): Promise<void> {
	const live = (kind: string) => knex(TOKENS_TABLE).where({ kind, user_id: userId }).whereNull('consumed_at').whereNull('revoked_at');
	await live(CONFIRM_KIND).update({ revoked_at: now });
	await live(REVERT_KIND).where('created_at', '>=', spentIssuedAt).update({ revoked_at: now });
}
