// Tokens mailed in links (email verification, invitations, password resets): single use, kept as
// a SHA-256 of the secret part; a use is one conditional UPDATE, so of N concurrent uses exactly
// one wins. Links the Data Studio's pages open carry a JWT (`{ email, scope, jti }`, HS256, issuer
// "directus") so the page can show the email; signed with the extension's key (derived from
// SECRET), so the host never takes it for its own. Single use and revocation come from the hashed
// `jti` in the store, not from the JWT.
import jwt from 'jsonwebtoken';
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from './migrations.js';
import { pruneRows } from './util/batch.js';
import { hashToken, newId } from './util/crypto.js';
import { InvalidTokenError, TokenExpiredError } from './util/errors.js';
import { toMillis } from './util/time.js';

export const TOKENS_TABLE = 'user_lifecycle_tokens';
/** What a token is for (`invite`, `verify-email`, ...): named by the capability that issues it. */
export type TokenKind = string;

export async function ensureTokenTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, TOKENS_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('kind', 32).notNullable();
		table.string('user_id', 36).notNullable();
		table.string('token_hash', 64).notNullable().unique();
		table.text('data').nullable();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('expires_at').notNullable();
		table.bigInteger('consumed_at').nullable();
		table.bigInteger('revoked_at').nullable();
		table.index(['user_id', 'kind']);
		table.index(['expires_at']);
	});
}

export const TOKEN_MIGRATIONS: Migration[] = [{ id: '0001-tokens', tables: [TOKENS_TABLE], up: ensureTokenTables }];

export interface IssuedToken {
	id: string;
	expiresAt: number;
}

export interface ConsumedToken {
	id: string;
	userId: string;
	data: Record<string, unknown>;
}

/**
 * Records a new token for `userId`; every earlier live token of the same kind stops working.
 * `newUser`: the user was created in this very transaction, so there is nothing to revoke (and on
 * MariaDB the revoking UPDATE's gap lock would deadlock two concurrent registrations' inserts).
 * `keepEarlier`: links of a kind where each mail's own link must keep working (a "this wasn't
 * me" link in every notice).
 */
export async function issueToken(
	knex: Knex,
	input: { kind: TokenKind; userId: string; secret: string; ttlMs: number; data?: Record<string, unknown>; newUser?: boolean; keepEarlier?: boolean },
): Promise<IssuedToken> {
	const now = Date.now();
	if (!input.newUser && !input.keepEarlier) await revokeTokens(knex, input.kind, [input.userId], now);
	const id = newId();
	const expiresAt = now + input.ttlMs;
	await knex(TOKENS_TABLE).insert({
		id,
		kind: input.kind,
		user_id: input.userId,
		token_hash: hashToken(input.secret),
		data: input.data ? JSON.stringify(input.data) : null,
		created_at: now,
		expires_at: expiresAt,
	});
	return { id, expiresAt };
}

/**
 * Spends a token: 403 INVALID_TOKEN when unknown, used or revoked, 401 TOKEN_EXPIRED when past
 * its expiry. Run it inside the transaction that applies the token's effect, so a failed effect
 * leaves the token usable.
 */
export async function consumeToken(knex: Knex, kind: TokenKind, secret: string): Promise<ConsumedToken> {
	const row = await knex(TOKENS_TABLE).where({ token_hash: hashToken(secret), kind }).first();
	if (!row || row.consumed_at !== null || row.revoked_at !== null) throw new InvalidTokenError();
	const now = Date.now();
	if ((toMillis(row.expires_at) ?? 0) <= now) throw new TokenExpiredError();
	const won = await knex(TOKENS_TABLE)
		.where({ id: row.id })
		.whereNull('consumed_at')
		.whereNull('revoked_at')
		.update({ consumed_at: now });
	if (won !== 1) throw new InvalidTokenError();
	return { id: row.id, userId: row.user_id, data: row.data ? JSON.parse(row.data) : {} };
}

/** Revokes the live tokens of a kind of these users (with `issuedBefore`, only those issued before that moment). */
export async function revokeTokens(knex: Knex, kind: TokenKind, userIds: string[], now = Date.now(), issuedBefore?: number): Promise<number> {
	if (userIds.length === 0) return 0;
	const query = knex(TOKENS_TABLE).where({ kind }).whereIn('user_id', userIds).whereNull('consumed_at').whereNull('revoked_at');
	if (issuedBefore !== undefined) query.where('created_at', '<', issuedBefore);
	return query.update({ revoked_at: now });
}

/** The data of the newest token of a kind the user has not spent (live, revoked or expired): for resends. */
export async function unspentTokenData(knex: Knex, kind: TokenKind, userId: string): Promise<Record<string, unknown> | null> {
	const row = await knex(TOKENS_TABLE).select('data').where({ kind, user_id: userId }).whereNull('consumed_at').orderBy('created_at', 'desc').first();
	if (!row) return null;
	return row.data ? JSON.parse(row.data) : {};
}

/** Deletes spent, revoked and long-expired tokens, at most `limit` per call. */
export async function pruneTokens(knex: Knex, olderThan: number, limit: number): Promise<number> {
	const spent = (q: Knex.QueryBuilder) => q.where((w) => w.where('expires_at', '<', olderThan).orWhere('consumed_at', '<', olderThan).orWhere('revoked_at', '<', olderThan));
	return pruneRows(knex, TOKENS_TABLE, 'id', spent, limit);
}


const ISSUER = 'directus';

export function signLinkToken(key: Buffer, scope: string, email: string, jti: string, expiresInSeconds: number): string {
	return jwt.sign({ email, scope }, key, { algorithm: 'HS256', expiresIn: expiresInSeconds, issuer: ISSUER, jwtid: jti });
}

/** The `jti` and email of a `scope` token signed by us: 401 TOKEN_EXPIRED past its expiry, 403 INVALID_TOKEN otherwise. */
export function readLinkToken(key: Buffer, scope: string, token: string): { jti: string; email: string } {
	let payload: jwt.JwtPayload | string;
	try {
		payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: ISSUER });
	} catch (error) {
		if ((error as Error).name === 'TokenExpiredError') throw new TokenExpiredError();
		throw new InvalidTokenError();
	}
	if (typeof payload !== 'object' || payload['scope'] !== scope || typeof payload.jti !== 'string' || typeof payload['email'] !== 'string') {
		throw new InvalidTokenError();
	}
	return { jti: payload.jti, email: payload['email'] };
}
