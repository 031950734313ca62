// Starting and ending a lock: the row's conditional statement and the audit record in one
// transaction, the lifecycle event after the commit. One winner per lock start and per lock end,
// whichever instance (or the schedule) gets there first.
import { recordEvents } from '../shared/audit.js';
import type { Runtime } from '../shared/runtime.js';
import { clearFailures, endLock, endLockNow, readAttempts, startLock } from './store.js';

export async function lockLogins(rt: Runtime, userId: string, failures: number, provider: string): Promise<void> {
	const until = Date.now() + rt.config.loginLockMs;
	const at = new Date(until).toISOString();
	const started = await rt.knex.transaction(async (trx) => {
		if (!(await startLock(trx, userId, until))) return false;
		await recordEvents(trx, [{ user: userId, event: 'login-locked', actor: null, via: 'login', reason: `${failures} wrong passwords; logins refused until ${at}` }]);
		return true;
	});
	if (started) rt.events.emit('login-locked', { user: userId, actor: null, via: 'login', provider, failures, locked_until: at });
}

/** Ends a run-out lock and records it (`via`: 'login' when a login found it over, 'schedule'). */
export async function unlockLogins(rt: Runtime, userId: string, until: number, via: 'login' | 'schedule'): Promise<void> {
	const at = new Date(until).toISOString();
	const ended = await rt.knex.transaction(async (trx) => {
		if (!(await endLock(trx, userId, until))) return false;
		await recordEvents(trx, [{ user: userId, event: 'login-unlocked', actor: null, via, reason: `the timed lock ended at ${at}` }]);
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
		const at = new Date(until).toISOString();
		const reason = until > Date.now() ? `unlocked before the timed lock's end (${at})` : `the timed lock ended at ${at}`;
		await recordEvents(trx, [{ user: userId, event: 'login-unlocked', actor, via: 'api', reason }]);
		return at;
	});
	if (ended !== null) rt.events.emit('login-unlocked', { user: userId, actor, via: 'api', locked_until: ended });
	return { unlocked: ended !== null };
}
