// The sessions capability's own view of the host's sessions: public ids (never the token) and
// ending chosen sign-ins whole.
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { isLive, SESSIONS_TABLE, type SessionChain } from '../shared/sessions.js';

/**
 * A session's public id: a keyed hash of its newest token, never reversible to it. It changes when
 * the session is refreshed (its token rotates).
 */
export function sessionId(key: Buffer, token: string): string {
	return createHmac('sha256', key).update(`session:${token}`, 'utf8').digest('base64url');
}

/** What `sessionId` makes: 43 base64url characters. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Deletes these chains' rows of `userId`; returns how many live sessions ended. */
export async function endSessionChains(knex: Knex, userId: string, chains: readonly SessionChain[], now = Date.now()): Promise<number> {
	const tokens = chains.flatMap((chain) => chain.tokens);
	if (tokens.length === 0) return 0;
	for (let i = 0; i < tokens.length; i += 500) {
		await knex(SESSIONS_TABLE).where({ user: userId }).whereIn('token', tokens.slice(i, i + 500)).delete();
	}
	return chains.filter((chain) => isLive(chain, now)).length;
}

/**
 * A session-mode refresh names its new token on the old row, then inserts the new row: a refresh
 * caught between the two when its session ended would leave the new row behind. The new tokens the
 * ended heads name are deleted once more a moment later (best effort, off the request).
 */
export function sweepLateSuccessors(knex: Knex, userId: string, chains: readonly SessionChain[], delayMs = 1000): void {
	const late = chains.map((chain) => chain.head.next_token).filter((token): token is string => !!token);
	if (late.length === 0) return;
	const timer = setTimeout(() => {
		knex(SESSIONS_TABLE).where({ user: userId }).whereIn('token', late).delete().catch(() => undefined);
	}, delayMs);
	timer.unref?.();
}
