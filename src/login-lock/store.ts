// Wrong passwords per user, the password checks under way, and the timed lock, in one row per
// user, so every instance of a cluster counts together. Each decision is one statement the
// database arbitrates: a check's place and its outcome are one UPDATE each, the lock starts by one conditional UPDATE (one winner records it), and ends by one
// conditional DELETE (one winner records that).
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { pruneRows } from '../shared/util/batch.js';
import { toMillis } from '../shared/util/time.js';

export const LOGIN_ATTEMPTS_TABLE = 'user_lifecycle_login_attempts';

export async function ensureLoginAttemptsTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, LOGIN_ATTEMPTS_TABLE, (table) => {
		table.string('user_id', 36).primary();
		table.integer('failures').notNullable();
		table.integer('pending').notNullable().defaultTo(0);
		table.bigInteger('window_start').notNullable().index();
		table.bigInteger('locked_until').nullable().index();
	});
}

/** Password checks under way per user (admitted, not yet answered): what bounds a burst. */
async function addPendingColumn(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasColumn(LOGIN_ATTEMPTS_TABLE, 'pending'))) {
		await knex.schema.alterTable(LOGIN_ATTEMPTS_TABLE, (table) => table.integer('pending').notNullable().defaultTo(0));
	}
}

export const LOGIN_LOCK_MIGRATIONS: Migration[] = [
	{ id: '0012-login-lock', tables: [LOGIN_ATTEMPTS_TABLE], up: ensureLoginAttemptsTable },
	{ id: '0013-login-lock-pending', tables: [], up: addPendingColumn },
];

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

/** Of `userIds`, those locked now, with the lock's end and the wrong passwords counted. */
export async function runningLocks(knex: Knex, userIds: string[], now = Date.now()): Promise<{ user: string; lockedUntil: number; failures: number }[]> {
	const locked = [];
	for (let i = 0; i < userIds.length; i += 500) {
		const rows = await knex(LOGIN_ATTEMPTS_TABLE).select('user_id', 'failures', 'locked_until').whereIn('user_id', userIds.slice(i, i + 500)).where('locked_until', '>', now);
		for (const row of rows) locked.push({ user: String(row.user_id), lockedUntil: toMillis(row.locked_until)!, failures: Number(row.failures) });
	}
	return locked;
}

/**
 * Admits one password check unless the checks under way and the wrong passwords counted already
 * make the limit: one conditional UPDATE takes the place, so concurrent checks are admitted one
 * by one, exactly up to the limit, on every database and across instances. A window `windowMs`
 * old starts afresh, places a crashed process never gave back included. A user without a row gets
 * one made with this check's place in it (one INSERT; a concurrent one's unique key sends the
 * loser to the UPDATE). `rowSeen`: the caller has just read the user's row, so the UPDATE comes
 * first (the INSERT only when the row went meanwhile). Either way one write in the usual case.
 */
export async function admitCheck(knex: Knex, userId: string, max: number, windowMs: number, now = Date.now(), { rowSeen = false } = {}): Promise<boolean> {
	const windowOpen = now - windowMs;
	const stale = knex.raw('?? <= ?', ['window_start', windowOpen]);
	const takePlace = async () =>
		(await knex(LOGIN_ATTEMPTS_TABLE)
			.where({ user_id: userId })
			.where((q) => q.whereRaw('?? <= ?', ['window_start', windowOpen]).orWhereRaw('?? + ?? < ?', ['failures', 'pending', max]))
			// `window_start` last: MySQL applies SET clauses left to right, and the others read its old value.
			.update({
				failures: knex.raw('CASE WHEN ? THEN 0 ELSE ?? END', [stale, 'failures']),
				pending: knex.raw('CASE WHEN ? THEN 1 ELSE ?? + 1 END', [stale, 'pending']),
				window_start: knex.raw('CASE WHEN ? THEN ? ELSE ?? END', [stale, now, 'window_start']),
			})) === 1;
	/** The row made with this check's place; false when another made it first. */
	const makeRowWithPlace = async () => {
		try {
			await knex(LOGIN_ATTEMPTS_TABLE).insert({ user_id: userId, failures: 0, pending: max > 0 ? 1 : 0, window_start: now });
			return max > 0;
		} catch (error) {
			if (await knex(LOGIN_ATTEMPTS_TABLE).select('user_id').where({ user_id: userId }).first()) return false;
			throw error;
		}
	};
	if (!rowSeen) return (await makeRowWithPlace()) || takePlace();
	if (await takePlace()) return true;
	// No place: the limit, or a row an unlock or the schedule deleted since it was read.
	return (await makeRowWithPlace()) || takePlace();
}

/**
 * An admitted check's outcome: a wrong password turns its place into a counted failure; a right
 * one clears the count; anything else (a wrong code after a right password, a user refused before
 * any check) just gives the place back. Returns the wrong passwords counted after it.
 */
export async function settleCheck(knex: Knex, userId: string, outcome: 'wrong' | 'right' | 'other'): Promise<number> {
	const place = knex.raw('CASE WHEN ?? > 0 THEN ?? - 1 ELSE 0 END', ['pending', 'pending']);
	const failures = outcome === 'wrong' ? knex.raw('?? + 1', ['failures']) : outcome === 'right' ? 0 : knex.raw('??', ['failures']);
	// `pending` first: MySQL applies SET clauses left to right, and neither reads the other.
	await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: userId }).update({ pending: place, failures });
	if (outcome === 'right') return 0; // the statement above set it
	const row = await knex(LOGIN_ATTEMPTS_TABLE).select('failures').where({ user_id: userId }).first();
	return Number(row?.failures ?? 0);
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
	return pruneRows(knex, LOGIN_ATTEMPTS_TABLE, 'user_id', (q) => q.whereNull('locked_until').where('window_start', '<=', olderThan), limit);
}
