// Sign-in requests: one row per request, holding both of its secrets (hashed, secrets.ts), the
// address and state it was issued for, and its wrong tries. Every move is one conditional UPDATE,
// so concurrent uses settle in the database, on every instance: a request is spent once, a new
// one ends the ones before it, and at most MAX_TRIES tries are ever checked against one request.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { pruneRows } from '../shared/util/batch.js';
import { toMillis } from '../shared/util/time.js';

export const SIGN_IN_TABLE = 'user_lifecycle_email_sign_ins';
/** Wrong codes (or wrong OTPs) that end a request. */
export const MAX_TRIES = 5;

export async function ensureSignInTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, SIGN_IN_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user_id', 36).notNullable();
		table.string('token_hash', 64).notNullable().unique();
		table.string('code_hash', 64).notNullable();
		table.string('email', 255).notNullable();
		table.integer('status_changes').notNullable();
		table.integer('tries').notNullable();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('expires_at').notNullable().index();
		table.bigInteger('spent_at').nullable();
		table.bigInteger('ended_at').nullable();
		table.index(['user_id', 'created_at']);
	});
}

export const EMAIL_SIGN_IN_MIGRATIONS: Migration[] = [{ id: '0016-email-sign-ins', tables: [SIGN_IN_TABLE], up: ensureSignInTable }];

export interface SignInRequest {
	id: string;
	userId: string;
	codeHash: string;
	/** The address the mail went to. */
	email: string;
	/** The user's status changes when it was issued (src/shared/link-state.ts). */
	statusChanges: number;
	expiresAt: number;
	/** Neither spent nor ended (it may still have expired). */
	open: boolean;
}

const COLUMNS = ['id', 'user_id', 'code_hash', 'email', 'status_changes', 'expires_at', 'spent_at', 'ended_at'];

function toRequest(row: Record<string, unknown>): SignInRequest {
	return {
		id: String(row['id']),
		userId: String(row['user_id']),
		codeHash: String(row['code_hash']),
		email: String(row['email']),
		statusChanges: Number(row['status_changes']),
		expiresAt: toMillis(row['expires_at']) ?? 0,
		open: row['spent_at'] === null && row['ended_at'] === null,
	};
}

/** Ends the user's open requests and records a new one. */
export async function openSignInRequest(
	knex: Knex,
	input: { id: string; userId: string; tokenHash: string; codeHash: string; email: string; statusChanges: number; expiresAt: number },
	now = Date.now(),
): Promise<void> {
	await endOpenRequests(knex, [input.userId], now);
	await knex(SIGN_IN_TABLE).insert({
		id: input.id,
		user_id: input.userId,
		token_hash: input.tokenHash,
		code_hash: input.codeHash,
		email: input.email,
		status_changes: input.statusChanges,
		tries: 0,
		created_at: now,
		expires_at: input.expiresAt,
	});
}

export async function findByTokenHash(knex: Knex, tokenHash: string): Promise<SignInRequest | undefined> {
	const row = await knex(SIGN_IN_TABLE).select(COLUMNS).where({ token_hash: tokenHash }).first();
	return row ? toRequest(row) : undefined;
}

/** The user's newest request that may still be tried: open, not expired, tries left. */
export async function newestTryableRequest(knex: Knex, userId: string, now = Date.now()): Promise<SignInRequest | undefined> {
	const row = await knex(SIGN_IN_TABLE)
		.select(COLUMNS)
		.where({ user_id: userId })
		.whereNull('spent_at')
		.whereNull('ended_at')
		.where('expires_at', '>', now)
		.where('tries', '<', MAX_TRIES)
		.orderBy('created_at', 'desc')
		.first();
	return row ? toRequest(row) : undefined;
}

/**
 * Takes one of the request's tries before its code (or OTP) is checked, so of concurrent guesses
 * at most MAX_TRIES are ever checked; the count after it, or null when none was left (or the
 * request is no longer open).
 */
export async function takeTry(knex: Knex, id: string): Promise<number | null> {
	const won = await knex(SIGN_IN_TABLE)
		.where({ id })
		.whereNull('spent_at')
		.whereNull('ended_at')
		.where('tries', '<', MAX_TRIES)
		.update({ tries: knex.raw('?? + 1', ['tries']) });
	if (won !== 1) return null;
	const row = await knex(SIGN_IN_TABLE).select('tries').where({ id }).first();
	return Number(row?.tries ?? MAX_TRIES);
}

/** Gives a try back: the right code came without the OTP its user needs (asking for it is no guess). */
export async function giveTryBack(knex: Knex, id: string): Promise<void> {
	await knex(SIGN_IN_TABLE).where({ id }).whereNull('spent_at').whereNull('ended_at').where('tries', '>', 0).update({ tries: knex.raw('?? - 1', ['tries']) });
}

/** Spends an open, unexpired request: true for exactly one of concurrent spends. */
export async function spendRequest(knex: Knex, id: string, now = Date.now()): Promise<boolean> {
	const won = await knex(SIGN_IN_TABLE).where({ id }).whereNull('spent_at').whereNull('ended_at').where('expires_at', '>', now).update({ spent_at: now });
	return won === 1;
}

/** Opens a spent request again: the sign-in it paid for failed after the spend. */
export async function unspendRequest(knex: Knex, id: string, spentAt: number): Promise<void> {
	await knex(SIGN_IN_TABLE).where({ id, spent_at: spentAt }).update({ spent_at: null });
}

export async function endRequest(knex: Knex, id: string, now = Date.now()): Promise<void> {
	await knex(SIGN_IN_TABLE).where({ id }).whereNull('spent_at').whereNull('ended_at').update({ ended_at: now });
}

/** Ends every open request of these users (a new request, an email written). */
export async function endOpenRequests(knex: Knex, userIds: string[], now = Date.now()): Promise<number> {
	if (userIds.length === 0) return 0;
	return knex(SIGN_IN_TABLE).whereIn('user_id', userIds).whereNull('spent_at').whereNull('ended_at').update({ ended_at: now });
}

/** Deletes requests expired before `olderThan`, at most `limit` per call. */
export async function pruneSignInRequests(knex: Knex, olderThan: number, limit: number): Promise<number> {
	return pruneRows(knex, SIGN_IN_TABLE, 'id', (q) => q.where('expires_at', '<', olderThan), limit);
}
