// The invitation's own reads and writes on the shared link-token table: many invitations issued at
// once, the live one per user (the invitations list, resends), and invitations that ran out.
import type { Knex } from 'knex';
import { revokeTokens, TOKENS_TABLE, type IssuedToken, type TokenKind } from '../shared/link-tokens.js';
import { chunks, inBatches } from '../shared/util/batch.js';
import { hashToken, newId } from '../shared/util/crypto.js';
import { toMillis } from '../shared/util/time.js';

/** Issues many tokens in batched inserts (bulk invitations); earlier ones are revoked first. */
export async function issueTokens(
	knex: Knex,
	kind: TokenKind,
	items: { userId: string; secret: string; ttlMs: number; data?: Record<string, unknown> }[],
): Promise<IssuedToken[]> {
	const now = Date.now();
	for (const chunk of chunks(items.map((i) => i.userId), 500)) await revokeTokens(knex, kind, chunk, now);
	const rows = items.map((item) => ({
		id: newId(),
		kind,
		user_id: item.userId,
		token_hash: hashToken(item.secret),
		data: item.data ? JSON.stringify(item.data) : null,
		created_at: now,
		expires_at: now + item.ttlMs,
	}));
	for (const chunk of chunks(rows, 100)) await knex(TOKENS_TABLE).insert(chunk);
	return rows.map((row) => ({ id: row.id, expiresAt: row.expires_at }));
}

/** The newest live token of a kind per user (pending invitations, resends). */
export async function liveTokens(knex: Knex, kind: TokenKind, userIds: string[]): Promise<Map<string, { expiresAt: number; data: Record<string, unknown> }>> {
	const result = new Map<string, { expiresAt: number; data: Record<string, unknown> }>();
	for (const chunk of chunks(userIds, 500)) {
		const rows = await knex(TOKENS_TABLE)
			.select('user_id', 'expires_at', 'data', 'created_at')
			.where({ kind })
			.whereIn('user_id', chunk)
			.whereNull('consumed_at')
			.whereNull('revoked_at')
			.orderBy('created_at', 'asc');
		for (const row of rows) result.set(row.user_id, { expiresAt: toMillis(row.expires_at) ?? 0, data: row.data ? JSON.parse(row.data) : {} });
	}
	return result;
}

/**
 * Of `userIds`, those whose newest token of `kind` has expired unspent and who have no live one
 * left (an invitation that ran out). One query per 500 users.
 */
export async function usersWithOnlyExpiredTokens(knex: Knex, kind: TokenKind, userIds: string[], now: number): Promise<string[]> {
	const rows = (await inBatches(userIds, 500, (batch) =>
		knex(TOKENS_TABLE).select('user_id', 'created_at', 'expires_at', 'consumed_at', 'revoked_at').where({ kind }).whereIn('user_id', batch),
	)).flat();
	const newest = new Map<string, { created: number; expires: number; done: boolean }>();
	const live = new Set<string>();
	for (const row of rows) {
		const user = String(row.user_id);
		const expires = toMillis(row.expires_at) ?? 0;
		const done = row.consumed_at !== null || row.revoked_at !== null;
		if (!done && expires > now) live.add(user);
		const created = toMillis(row.created_at) ?? 0;
		const seen = newest.get(user);
		if (!seen || created >= seen.created) newest.set(user, { created, expires, done });
	}
	return [...newest.entries()].filter(([user, t]) => !live.has(user) && !t.done && t.expires <= now).map(([user]) => user);
}
