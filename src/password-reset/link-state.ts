// A reset link dies with the state it was issued for: when the user leaves `active` (even for a
// moment) or their email changes (even back to the same address).
// - Status: the link's token records how many status changes of the existing user the audit
//   trail holds when it is issued; spending it with a different count means the user left
//   `active` and came back. The status guard audits every status write (the schedule's and Flows'
//   included) and the trail is never pruned, so the count only moves on a change. The creation's
//   record (`from` null) is left out: the guard may write it after the commit, behind a link.
// - Email: the trail does not record email changes, so every committed write of `email` revokes
//   the user's live reset links (the `users.update` action, the host's own rule for ending
//   sessions), and the link's JWT names the address it was sent to, compared at spend time, which
//   covers the moment between that commit and the action. Only links issued before the write are
//   revoked: a flow that changes the address and mails a fresh link in the same transaction (an
//   email change taken back) keeps that link, whenever the action gets to run.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { AUDIT_TABLE } from '../shared/audit.js';
import { revokeTokens } from '../shared/link-tokens.js';
import type { Runtime } from '../shared/runtime.js';
import { chunks } from '../shared/util/batch.js';

export const RESET_TOKEN_KIND = 'password-reset';

/** What a reset token stores of the state it was issued in. */
export interface LinkState {
	statusChanges: number;
}

/** The user's state a reset link issued now is bound to. */
export async function currentLinkState(knex: Knex, userId: string): Promise<LinkState> {
	const row = await knex(AUDIT_TABLE).where({ user: userId, event: 'status' }).whereNotNull('from').count({ changes: '*' }).first();
	// PostgreSQL answers a count as a string, MySQL and SQLite as a number.
	return { statusChanges: Number(row?.['changes'] ?? 0) };
}

/** Whether the state a token recorded at issue (its `data`) is still the user's. */
export async function isLinkStateCurrent(knex: Knex, userId: string, issuedIn: Record<string, unknown>): Promise<boolean> {
	// A token without a recorded state (issued before links were bound to it) is refused: it is short-lived, and asking again is free.
	if (typeof issuedIn['statusChanges'] !== 'number') return false;
	return (await currentLinkState(knex, userId)).statusChanges === issuedIn['statusChanges'];
}

/** Revokes the live reset links of every user whose `email` a committed update wrote (the same address included). */
export function registerEmailChangeRevocation(register: RegisterFunctions, rt: Pick<Runtime, 'knex' | 'logger'>): void {
	register.action('users.update', async (meta) => {
		const payload = meta['payload'] as Record<string, unknown> | undefined;
		const keys = (meta['keys'] ?? []) as string[];
		if (!payload || !('email' in payload) || payload['email'] === undefined || keys.length === 0) return;
		// The host fires this right after the write (inside a caller's transaction, before its commit).
		const writtenAt = Date.now();
		try {
			for (const batch of chunks(keys.map(String), 500)) await revokeTokens(rt.knex, RESET_TOKEN_KIND, batch, Date.now(), writtenAt);
		} catch (error) {
			rt.logger.error(error, '[user-lifecycle] could not revoke the reset links of users whose email changed');
		}
	});
}
