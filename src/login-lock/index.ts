// The timed login lock (replaces the host's permanent `auth_login_attempts` suspension): wrong
// passwords counted per user in the database, logins refused for a while once there are too many,
// lock and unlock audited and emitted; the status is never touched. Callers who may update a
// user see and lift that user's lock (`/users/:id/login-lock`).
import type { Capability } from '../shared/capability.js';
import { LOGIN_LOCK_SETTINGS } from './settings.js';
import type { Runtime } from '../shared/runtime.js';
import { drain } from '../shared/util/batch.js';
import type { Application } from 'express';
import { loginRequestScope, stashDeviceHeader } from './device.js';
import { leaveHostCounterAside } from './host-counter.js';
import { registerLoginGate } from './password-gate.js';
import { unlockLogins } from './lock.js';
import { loginLockRoutes } from './routes.js';
import { endedLocks, LOGIN_LOCK_MIGRATIONS, pruneStaleCounts } from './store.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'login-locked': true;
		'login-unlocked': true;
	}
}

/** Ends and records the locks that ran out while nobody tried to log in; forgets stale counts. */
async function endRunOutLocks(rt: Runtime, now: number) {
	const locks = await endedLocks(rt.knex, now, rt.config.scheduleBatchSize);
	for (const lock of locks) await unlockLogins(rt, lock.userId, lock.until, 'schedule');
	const pruned = await drain((limit) => pruneStaleCounts(rt.knex, now - rt.config.loginLockMs, limit), rt.config.scheduleBatchSize);
	return { endedLoginLocks: locks.length, prunedLoginCounts: pruned };
}

export const loginLock: Capability = {
	name: 'login-lock',
	settings: LOGIN_LOCK_SETTINGS,
	// The login request's device cookie, read where the gate's `auth.login` hooks can see it.
	requestGuards: (app, rt) => {
		if (rt.config.loginMaxAttempts > 0) app.use(loginRequestScope(rt));
	},
	hooks: (register, rt) => {
		register.init('app.before', (meta: Record<string, any>) => (meta['app'] as Application).use(stashDeviceHeader));
		registerLoginGate(register, rt);
		if (rt.config.loginMaxAttempts > 0) leaveHostCounterAside(register, rt);
	},
	routes: loginLockRoutes,
	job: endRunOutLocks,
	migrations: LOGIN_LOCK_MIGRATIONS,
};
