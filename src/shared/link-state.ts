// A mailed sign-in or reset link dies with the state it was issued for: when the user leaves
// `active` (even for a moment) or their email changes (even back to the same address).
// - Status: a link records how many status changes of the existing user the audit trail holds
//   when it is issued; spending it with a different count means the user left `active` and came
//   back. The status guard audits every status write (the schedule's and Flows' included) and the
//   trail is never pruned, so the count only moves on a change. The creation's record (`from`
//   null) is left out: the guard may write it after the commit, behind a link.
// - Email: the trail does not record email changes, so every committed write of `email` revokes
//   the user's live links (`onEmailWritten`: the `users.update` action, the host's own rule for
//   ending sessions); each link also names the address it was sent to, compared at spend time,
//   which covers the moment between that commit and the action.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { AUDIT_TABLE } from './audit.js';
import type { Runtime } from './runtime.js';
import { chunks } from './util/batch.js';

/** What a link stores of the state it was issued in. */
export interface LinkState {
	statusChanges: number;
}

/** The user's state a link issued now is bound to. */
export async function currentLinkState(knex: Knex, userId: string): Promise<LinkState> {
	const row = await knex(AUDIT_TABLE).where({ user: userId, event: 'status' }).whereNotNull('from').count({ changes: '*' }).first();
	// PostgreSQL answers a count as a string, MySQL and SQLite as a number.
	return { statusChanges: Number(row?.['changes'] ?? 0) };
}

/** Whether the state a link recorded at issue is still the user's. */
export async function isLinkStateCurrent(knex: Knex, userId: string, issuedIn: Record<string, unknown>): Promise<boolean> {
	// A link without a recorded state (issued before links were bound to it) is refused: it is short-lived, and asking again is free.
	if (typeof issuedIn['statusChanges'] !== 'number') return false;
	return (await currentLinkState(knex, userId)).statusChanges === issuedIn['statusChanges'];
}

/**
 * Calls `revoke` with the ids of every user whose `email` a committed update wrote (the same
 * address included), 500 at a time. A failure is logged: the spend-time address check still holds.
 */
export function onEmailWritten(register: RegisterFunctions, rt: Pick<Runtime, 'knex' | 'logger'>, links: string, revoke: (knex: Knex, userIds: string[]) => Promise<unknown>): void {
	register.action('users.update', async (meta) => {
		const payload = meta['payload'] as Record<string, unknown> | undefined;
		const keys = (meta['keys'] ?? []) as string[];
		if (!payload || !('email' in payload) || payload['email'] === undefined || keys.length === 0) return;
		try {
			for (const batch of chunks(keys.map(String), 500)) await revoke(rt.knex, batch);
		} catch (error) {
			rt.logger.error(error, `[user-lifecycle] could not revoke the ${links} of users whose email changed`);
		}
	});
}
