// Two-factor storage (recovery codes: recovery-codes.ts): accepted OTP time steps (replay
// protection), failed-code counters (lockout) and the secret `generate` handed out (pending until
// enabled). All in the database, so every instance
// of a cluster shares them; each decision is one statement the database arbitrates.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { countInWindow } from '../shared/rate-limit.js';
import { deleteRecoveryCodes, ensureRecoveryCodesTable, RECOVERY_CODES_TABLE } from './recovery-codes.js';
import { USERS_TABLE } from '../shared/users.js';
import { pruneRows } from '../shared/util/batch.js';
import { toMillis } from '../shared/util/time.js';

export const OTP_STEPS_TABLE = 'user_lifecycle_otp_steps';
export const OTP_ATTEMPTS_TABLE = 'user_lifecycle_otp_attempts';
export const PENDING_SECRETS_TABLE = 'user_lifecycle_tfa_pending_secrets';
export const RECOVERY_LOGIN_ATTEMPTS_TABLE = 'user_lifecycle_recovery_login_attempts';

export async function ensureTwoFactorTables(knex: Knex): Promise<void> {
	await ensureRecoveryCodesTable(knex);
	await createTableIfMissing(knex, OTP_STEPS_TABLE, (table) => {
		// "<user>:<step>". "Insert wins": a second acceptance of one step for one user breaks
		// this key. (One column rather than a composite key: the host ignores tables without one.)
		table.string('id', 64).primary();
		table.string('user_id', 36).notNullable().index();
		table.bigInteger('step').notNullable();
		table.bigInteger('accepted_at').notNullable().index();
	});
	await createTableIfMissing(knex, OTP_ATTEMPTS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.integer('failures').notNullable();
		table.bigInteger('window_start').notNullable().index();
		table.bigInteger('locked_until').nullable();
	});
}

/** The secret `generate` handed to a user, sealed, until `enable` consumes it or it expires. */
export async function ensurePendingSecretsTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, PENDING_SECRETS_TABLE, (table) => {
		table.string('user_id', 36).primary(); // one pending secret per user: a new one replaces it
		table.string('secret', 255).notNullable(); // AES-256-GCM, never the secret in clear
		table.bigInteger('created_at').notNullable();
		table.bigInteger('expires').notNullable().index();
	});
}

/** Wrong passwords on the recovery-code login, per user and window (retired: see below; kept for the migration history). */
export async function ensureRecoveryLoginAttemptsTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, RECOVERY_LOGIN_ATTEMPTS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.integer('failures').notNullable();
		table.bigInteger('window_start').notNullable().index();
	});
}

export const TWO_FACTOR_MIGRATIONS: Migration[] = [
	{ id: '0005-two-factor', tables: [RECOVERY_CODES_TABLE, OTP_STEPS_TABLE, OTP_ATTEMPTS_TABLE], up: ensureTwoFactorTables },
	{ id: '0008-two-factor-pending-secrets', tables: [PENDING_SECRETS_TABLE], up: ensurePendingSecretsTable },
	{ id: '0010-recovery-login-attempts', tables: [RECOVERY_LOGIN_ATTEMPTS_TABLE], up: ensureRecoveryLoginAttemptsTable },
];

// --- the secret (where the host keeps it: directus_users.tfa_secret) --------------------------

/**
 * Writes tfa_secret only when it still holds `expected` (two concurrent enables: one wins);
 * `undefined` writes whatever it holds (an admin's reset).
 */
export async function writeSecret(knex: Knex, userId: string, expected: string | null | undefined, next: string | null): Promise<boolean> {
	const query = knex(USERS_TABLE).where({ id: userId });
	if (expected === null) query.whereNull('tfa_secret');
	else if (expected !== undefined) query.where({ tfa_secret: expected });
	return (await query.update({ tfa_secret: next })) === 1;
}

// --- the pending secret (handed out by generate, taken by enable) ----------------------------

/** Records the (sealed) secret just handed to the user, replacing any earlier pending one. */
export async function putPendingSecret(knex: Knex, userId: string, sealed: string, expires: number, now = Date.now()): Promise<void> {
	await knex(PENDING_SECRETS_TABLE)
		.insert({ user_id: userId, secret: sealed, created_at: now, expires })
		.onConflict('user_id')
		.merge(['secret', 'created_at', 'expires']);
}

/** The user's pending secret (sealed) while it lives, or null. */
export async function readPendingSecret(knex: Knex, userId: string, now = Date.now()): Promise<string | null> {
	const row = await knex(PENDING_SECRETS_TABLE).select('secret').where({ user_id: userId }).where('expires', '>', now).first();
	return typeof row?.secret === 'string' ? row.secret : null;
}

/**
 * Takes the pending secret that was read as `sealed`: one conditional DELETE, so of two
 * concurrent enables (or an enable racing a new generate) at most one wins. Call it in the
 * transaction that writes tfa_secret.
 */
export async function consumePendingSecret(knex: Knex, userId: string, sealed: string, now = Date.now()): Promise<boolean> {
	return (await knex(PENDING_SECRETS_TABLE).where({ user_id: userId, secret: sealed }).where('expires', '>', now).delete()) === 1;
}

/** Deletes expired pending secrets, at most `limit` per call (the schedule). */
export async function prunePendingSecrets(knex: Knex, now: number, limit: number): Promise<number> {
	return pruneRows(knex, PENDING_SECRETS_TABLE, 'user_id', (q) => q.where('expires', '<=', now), limit);
}

// --- accepted steps (RFC 6238 §5.2) --------------------------------------------------------

/**
 * Records that `step` was accepted for `userId`. False when it already was: a replay. The unique
 * key decides, so two instances accepting the same code at once can't both win. Don't call it
 * inside a transaction (a failed INSERT aborts a PostgreSQL transaction).
 */
export async function recordAcceptedStep(knex: Knex, userId: string, step: number, now = Date.now()): Promise<boolean> {
	try {
		await knex(OTP_STEPS_TABLE).insert({ id: `${userId}:${step}`, user_id: userId, step, accepted_at: now });
		return true;
	} catch (error) {
		const existing = await knex(OTP_STEPS_TABLE).select('step').where({ id: `${userId}:${step}` }).first();
		if (existing) return false;
		throw error;
	}
}

/**
 * Gives back a step this process recorded for a login the host then refused (a wrong password):
 * only that very record (its `accepted_at`), never a later acceptance.
 */
export async function releaseAcceptedStep(knex: Knex, userId: string, step: number, acceptedAt: number): Promise<void> {
	await knex(OTP_STEPS_TABLE).where({ id: `${userId}:${step}`, accepted_at: acceptedAt }).delete();
}

// --- failed codes and the lock -------------------------------------------------------------

/** The user's wrong-code count and lock end (the lock may have run out), in one read. */
export async function codeAttempts(knex: Knex, userId: string): Promise<{ failures: number; lockedUntil: number | null }> {
	const row = await knex(OTP_ATTEMPTS_TABLE).select('failures', 'locked_until').where({ user_id: userId }).first();
	return { failures: Number(row?.failures ?? 0), lockedUntil: toMillis(row?.locked_until) };
}

/** When the user's lock ends, or null when codes are accepted. */
export async function lockedUntil(knex: Knex, userId: string, now = Date.now()): Promise<number | null> {
	const row = await knex(OTP_ATTEMPTS_TABLE).select('locked_until').where({ user_id: userId }).first();
	const until = toMillis(row?.locked_until);
	return until !== null && until > now ? until : null;
}

/**
 * Counts one attempt before its code is checked, so a burst of concurrent guesses can't all slip
 * past the lock check: each attempt gets its own number. Attempts count within a window of
 * `lockMs` from the first. Returns the count after this one (it may include concurrent attempts:
 * never lower than this attempt's own number).
 */
export async function countAttempt(knex: Knex, userId: string, lockMs: number, now = Date.now()): Promise<number> {
	return countInWindow(knex, OTP_ATTEMPTS_TABLE, userId, lockMs, now);
}

/**
 * Every code is refused until `until`. The count is left alone (attempts already past the lock
 * check keep counting up); its window ends no later than the lock, so it starts afresh after.
 */
export async function lockCodes(knex: Knex, userId: string, until: number, now = Date.now()): Promise<void> {
	await knex(OTP_ATTEMPTS_TABLE)
		.where({ user_id: userId })
		.where((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', now))
		.update({ locked_until: until });
}

/** A right code wipes the count (never a running lock: a locked user gets no code accepted). */
export async function clearFailures(knex: Knex, userId: string, now = Date.now()): Promise<void> {
	await knex(OTP_ATTEMPTS_TABLE)
		.where({ user_id: userId })
		.where((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', now))
		.delete();
}

/** Whether `step` was already accepted for the user (read only: a replay check that records nothing). */
export async function isStepAccepted(knex: Knex, userId: string, step: number): Promise<boolean> {
	return Boolean(await knex(OTP_STEPS_TABLE).select('step').where({ id: `${userId}:${step}` }).first());
}

// --- the retired recovery-login password counter ----------------------------------------
// (Replaced by the timed login lock: the recovery-code login logs in through the host's login.
// The table stays for databases that have rows in it; the schedule prunes them.)

/** Deletes recovery-login counters whose window opened before `olderThan`, at most `limit` per call. */
export async function prunePasswordAttempts(knex: Knex, olderThan: number, limit: number): Promise<number> {
	return pruneRows(knex, RECOVERY_LOGIN_ATTEMPTS_TABLE, 'user_id', (q) => q.where('window_start', '<', olderThan), limit);
}

/**
 * Forgets a user's recovery codes, accepted steps, failures and pending secret (TFA turned off or
 * reset: the next secret starts clean).
 */
export async function deleteTwoFactorState(knex: Knex, userId: string): Promise<void> {
	await deleteRecoveryCodes(knex, userId);
	await knex(OTP_STEPS_TABLE).where({ user_id: userId }).delete();
	await knex(OTP_ATTEMPTS_TABLE).where({ user_id: userId }).delete();
	await knex(PENDING_SECRETS_TABLE).where({ user_id: userId }).delete();
}

/** Deletes accepted-step and failed-attempt records older than `olderThan`, at most `limit` per call (the schedule). */
export async function pruneTwoFactorRecords(knex: Knex, olderThan: number, limit: number): Promise<number> {
	const removed = await pruneRows(knex, OTP_STEPS_TABLE, 'id', (q) => q.where('accepted_at', '<', olderThan), limit);
	if (removed >= limit) return removed;
	const stale = (q: Knex.QueryBuilder) => q.where('window_start', '<', olderThan).where((w) => w.whereNull('locked_until').orWhere('locked_until', '<', olderThan));
	return removed + (await pruneRows(knex, OTP_ATTEMPTS_TABLE, 'user_id', stale, limit - removed));
}
