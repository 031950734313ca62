// Starting and ending a lock: the row's conditional statement and the audit record in one
// transaction, the lifecycle event after the commit. One winner per lock start and per lock end,
// whichever instance (or the schedule) gets there first. The audit reasons say what happened in
// words, without an instant: the event's `at` carries the time, with its zone, for every reader's
// clock and language (the lifecycle events carry `locked_until` as data).
import { recordEvents } from '../shared/audit.js';
import { callerPath } from '../shared/request-client.js';
import type { Runtime } from '../shared/runtime.js';
import { clearFailures, endLock, endLockNow, readAttempts, runningLocks, startLock } from './store.js';

export async function lockLogins(rt: Runtime, userId: string, failures: number, provider: string): Promise<void> {
	const until = Date.now() + rt.config.loginLockMs;
	const at = new Date(until).toISOString();
	const started = await rt.knex.transaction(async (trx) => {
		if (!(await startLock(trx, userId, until))) return false;
		const reason = `${failures} wrong passwords; logins refused for ${spoken(rt.config.loginLockMs)}`;
		await recordEvents(trx, [{ user: userId, event: 'login-locked', actor: null, via: 'login', reason }]);
		return true;
	});
	if (started) rt.events.emit('login-locked', { user: userId, actor: null, via: 'login', provider, failures, locked_until: at });
}

/** Ends a run-out lock and records it (`via`: 'login' when a login found it over, 'schedule'). */
export async function unlockLogins(rt: Runtime, userId: string, until: number, via: 'login' | 'schedule'): Promise<void> {
	const at = new Date(until).toISOString();
	const ended = await rt.knex.transaction(async (trx) => {
		if (!(await endLock(trx, userId, until))) return false;
		await recordEvents(trx, [{ user: userId, event: 'login-unlocked', actor: null, via, reason: 'the timed lock ran out' }]);
		return true;
	});
	if (ended) rt.events.emit('login-unlocked', { user: userId, actor: null, via, locked_until: at });
}

/** A user's lock as our admin routes show it. */
export interface LoginLockView {
	/** Logins are refused now. */
	locked: boolean;
	/** When the running lock ends (ISO), or null. */
	locked_until: string | null;
	/** Wrong passwords counted in the current window (those that led to a running lock included). */
	failures: number;
}

export async function loginLockOf(rt: Runtime, userId: string, now = Date.now()): Promise<LoginLockView> {
	const attempts = await readAttempts(rt.knex, userId);
	const until = attempts?.lockedUntil ?? null;
	const running = until !== null && until > now;
	return { locked: running, locked_until: running ? new Date(until).toISOString() : null, failures: attempts?.failures ?? 0 };
}

/** The running locks of `userIds` (the listed users that have one), in the view's shape. */
export async function loginLocksOf(rt: Runtime, userIds: string[], now = Date.now()): Promise<(LoginLockView & { user: string })[]> {
	return (await runningLocks(rt.knex, userIds, now)).map((lock) => ({ user: lock.user, locked: true, locked_until: new Date(lock.lockedUntil).toISOString(), failures: lock.failures }));
}

/**
 * Lets the user log in again now (`actor`: who asked): a running lock ends, recorded as
 * `login-unlocked` by `actor` (via 'api') and emitted after the commit; the count of wrong
 * passwords starts afresh either way. `unlocked`: whether this call ended a lock (a lock that
 * had run out but was not yet recorded counts: it is recorded here).
 */
export async function unlockNow(rt: Runtime, userId: string, actor: string): Promise<{ unlocked: boolean }> {
	const ended = await rt.knex.transaction(async (trx) => {
		const attempts = await readAttempts(trx, userId);
		if (attempts === null) return null;
		if (attempts.lockedUntil === null) {
			await clearFailures(trx, userId);
			return null;
		}
		const until = attempts.lockedUntil;
		// One conditional statement decides: a login, the schedule or another unlock may end it too.
		if (!(await endLockNow(trx, userId, until))) return null;
		const reason = until > Date.now() ? "lifted before the timed lock's end" : 'the timed lock ran out';
		await recordEvents(trx, [{ user: userId, event: 'login-unlocked', actor, via: callerPath(), reason }]);
		return new Date(until).toISOString();
	});
	if (ended !== null) rt.events.emit('login-unlocked', { user: userId, actor, via: 'api', locked_until: ended });
	return { unlocked: ended !== null };
}

/** A lock's length as words: "15 minutes", "1 hour", "90 seconds". */
export function spoken(ms: number): string {
	const units: [number, string][] = [
		[86_400_000, 'day'],
		[3_600_000, 'hour'],
		[60_000, 'minute'],
		[1000, 'second'],
	];
	for (const [size, name] of units) {
		if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
	}
	return `${Math.max(1, Math.round(ms / 1000))} seconds`;
}
