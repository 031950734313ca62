// Wrong passwords per user and the timed lock, in one row per user, so every instance of a
// cluster counts together. Each decision is one statement the database arbitrates: the count is
// one UPDATE, the lock starts by one conditional UPDATE (one winner records it), and ends by one
// conditional DELETE (one winner records that).
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { countInWindow } from '../shared/rate-limit.js';
import { toMillis } from '../shared/util/time.js';

export const LOGIN_ATTEMPTS_TABLE = 'user_lifecycle_login_attempts';

export async function ensureLoginAttemptsTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, LOGIN_ATTEMPTS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.integer('failures').notNullable();
		table.bigInteger('window_start').notNullable().index();
		table.bigInteger('locked_until').nullable().index();
	});
}

export const LOGIN_LOCK_MIGRATIONS: Migration[] = [{ id: '0012-login-lock', tables: [LOGIN_ATTEMPTS_TABLE], up: ensureLoginAttemptsTable }];

export interface LoginAttempts {
	failures: number;
	/** When the running (or ended but not yet recorded) lock ends, or null. */
	lockedUntil: number | null;
}

export async function readAttempts(knex: Knex, userId: string): Promise<LoginAttempts | null> {
	const row = await knex(LOGIN_ATTEMPTS_TABLE).select('failures', 'locked_until').where({ user_id: userId }).first();
	if (!row) return null;
	return { failures: Number(row.failures), lockedUntil: toMillis(row.locked_until) };
}

/**
 * One more wrong password; the count restarts once its window (from the first failure) is
 * `windowMs` old. Returns the count after this one (concurrent failures may be in it too).
 */
export async function countFailure(knex: Knex, userId: string, windowMs: number, now = Date.now()): Promise<number> {
	return countInWindow(knex, LOGIN_ATTEMPTS_TABLE, userId, windowMs, now);
}

/** Starts the lock unless one runs (or ended unrecorded) already: true for the one caller that started it. */
export async function startLock(knex: Knex, userId: string, until: number): Promise<boolean> {
	return (await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: userId }).whereNull('locked_until').update({ locked_until: until })) === 1;
}

/**
 * Ends the lock that runs until `until` whenever that is (an unlock by someone who may manage the
 * user); the count goes with it. True for the one caller that ended it: a lock ended meanwhile
 * (by a login, the schedule or another unlock) or started anew is not this one.
 */
export async function endLockNow(knex: Knex, userId: string, until: number): Promise<boolean> {
	return (await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: userId, locked_until: until }).delete()) === 1;
}

/** Ends a lock that has run out (the count goes with it): true for the one caller that ended it. */
export async function endLock(knex: Knex, userId: string, until: number, now = Date.now()): Promise<boolean> {
	if (until > now) return false;
	return endLockNow(knex, userId, until);
}

/** An attempt counted before the host's check that turned out no wrong password: one less (never below zero). */
export async function takeBackFailure(knex: Knex, userId: string): Promise<void> {
	await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: userId }).where('failures', '>', 0).decrement('failures', 1);
}

/** A successful login: the count starts afresh (a lock, which refuses every login, is left alone). */
export async function clearFailures(knex: Knex, userId: string): Promise<void> {
	await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: userId }).whereNull('locked_until').delete();
}

/** Locks that have run out, at most `limit` (the schedule ends and records them). */
export async function endedLocks(knex: Knex, now: number, limit: number): Promise<{ userId: string; until: number }[]> {
	const rows = await knex(LOGIN_ATTEMPTS_TABLE).select('user_id', 'locked_until').whereNotNull('locked_until').where('locked_until', '<=', now).limit(limit);
	return rows.map((row: { user_id: string; locked_until: unknown }) => ({ userId: row.user_id, until: toMillis(row.locked_until)! }));
}

/** Deletes counts whose window closed without a lock, at most `limit` per call. */
export async function pruneStaleCounts(knex: Knex, olderThan: number, limit: number): Promise<number> {
	const rows = await knex(LOGIN_ATTEMPTS_TABLE).select('user_id').whereNull('locked_until').where('window_start', '<=', olderThan).limit(limit);
	if (rows.length === 0) return 0;
	return knex(LOGIN_ATTEMPTS_TABLE)
		.whereIn('user_id', rows.map((row: { user_id: string }) => row.user_id))
		.whereNull('locked_until')
		.where('window_start', '<=', olderThan)
		.delete();
}
