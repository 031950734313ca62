// Two-factor storage: recovery codes (one hashed row each), accepted OTP time steps (replay
// protection) and failed-code counters (lockout). All in the database, so every instance of a
// cluster shares them; each decision is one statement the database arbitrates.
import type { Knex } from 'knex';
import { newId } from '../shared/util/crypto.js';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { USERS_TABLE } from '../shared/users.js';
import { chunks } from '../shared/util/batch.js';
import { toMillis } from '../shared/util/time.js';

export const RECOVERY_CODES_TABLE = 'user_lifecycle_recovery_codes';
export const OTP_STEPS_TABLE = 'user_lifecycle_otp_steps';
export const OTP_ATTEMPTS_TABLE = 'user_lifecycle_otp_attempts';

export async function ensureTwoFactorTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, RECOVERY_CODES_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user_id', 36).notNullable();
		table.string('code_hash', 64).notNullable().unique();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('consumed_at').nullable();
		table.index(['user_id']);
	});
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

export const TWO_FACTOR_MIGRATIONS: Migration[] = [{ id: '0005-two-factor', up: ensureTwoFactorTables }];

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

// --- recovery codes -------------------------------------------------------------------------

/** Replaces the user's set: every earlier code, spent or not, stops existing. */
export async function replaceRecoveryCodes(knex: Knex, userId: string, hashes: string[], now = Date.now()): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId }).delete();
	const rows = hashes.map((code_hash) => ({ id: newId(), user_id: userId, code_hash, created_at: now, consumed_at: null }));
	for (const batch of chunks(rows, 100)) await knex(RECOVERY_CODES_TABLE).insert(batch);
}

/** Spends one code: one conditional UPDATE, so of N concurrent uses exactly one wins. */
export async function spendRecoveryCode(knex: Knex, userId: string, hash: string, now = Date.now()): Promise<boolean> {
	const won = await knex(RECOVERY_CODES_TABLE).where({ user_id: userId, code_hash: hash }).whereNull('consumed_at').update({ consumed_at: now });
	return won === 1;
}

/** Gives a spent code back (the login it paid for failed after it was spent). */
export async function restoreRecoveryCode(knex: Knex, userId: string, hash: string, spentAt: number): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId, code_hash: hash, consumed_at: spentAt }).update({ consumed_at: null });
}

export async function countRecoveryCodes(knex: Knex, userId: string): Promise<number> {
	const row = await knex(RECOVERY_CODES_TABLE).count({ n: '*' }).where({ user_id: userId }).whereNull('consumed_at').first();
	return Number(row?.['n'] ?? 0);
}

export async function deleteRecoveryCodes(knex: Knex, userId: string): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId }).delete();
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

// --- failed codes and the lock -------------------------------------------------------------

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
	const windowOpen = now - lockMs;
	await knex(OTP_ATTEMPTS_TABLE).insert({ user_id: userId, failures: 0, window_start: now, locked_until: null }).onConflict('user_id').ignore();
	// One statement: the database serialises concurrent attempts on the row. `failures` is set
	// first and reads the old `window_start` (MySQL applies SET clauses left to right).
	await knex(OTP_ATTEMPTS_TABLE)
		.where({ user_id: userId })
		.update({
			failures: knex.raw('CASE WHEN ?? <= ? THEN 1 ELSE ?? + 1 END', ['window_start', windowOpen, 'failures']),
			window_start: knex.raw('CASE WHEN ?? <= ? THEN ? ELSE ?? END', ['window_start', windowOpen, now, 'window_start']),
		});
	const row = await knex(OTP_ATTEMPTS_TABLE).select('failures').where({ user_id: userId }).first();
	return Number(row?.failures ?? 1);
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

/** Forgets a user's recovery codes, accepted steps and failures (TFA turned off: the next secret starts clean). */
export async function deleteTwoFactorState(knex: Knex, userId: string): Promise<void> {
	await deleteRecoveryCodes(knex, userId);
	await knex(OTP_STEPS_TABLE).where({ user_id: userId }).delete();
	await knex(OTP_ATTEMPTS_TABLE).where({ user_id: userId }).delete();
}

/** Deletes accepted-step and failed-attempt records older than `olderThan`, at most `limit` per call (the schedule). */
export async function pruneTwoFactorRecords(knex: Knex, olderThan: number, limit: number): Promise<number> {
	let removed = 0;
	const steps = await knex(OTP_STEPS_TABLE).select('id').where('accepted_at', '<', olderThan).limit(limit);
	if (steps.length > 0) removed += await knex(OTP_STEPS_TABLE).whereIn('id', steps.map((r) => r.id)).delete();
	if (removed >= limit) return removed;
	const attempts = await knex(OTP_ATTEMPTS_TABLE)
		.select('user_id')
		.where('window_start', '<', olderThan)
		.where((q) => q.whereNull('locked_until').orWhere('locked_until', '<', olderThan))
		.limit(limit - removed);
	if (attempts.length > 0) {
		removed += await knex(OTP_ATTEMPTS_TABLE).whereIn('user_id', attempts.map((r) => r.user_id)).delete();
	}
	return removed;
}
