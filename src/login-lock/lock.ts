// Starting and ending a lock: the row's conditional statement and the audit record in one
// transaction, the lifecycle event after the commit. One winner per lock start and per lock end,
// whichever instance (or the schedule) gets there first.
import { recordEvents } from '../shared/audit.js';
import type { Runtime } from '../shared/runtime.js';
import { endLock, startLock } from './store.js';

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
