// Two-factor: TOTP on the host's own `tfa_secret` (so the host's login and the Data Studio keep
// enforcing it), one code gate for every path (lock, replay, attempts counted across instances),
// recovery codes (hashed, one row each, single use under concurrency), recovery-code login, the
// admins' audited reset, and the guard on the host's own login.
import type { Capability } from '../shared/capability.js';
import type { Runtime } from '../shared/runtime.js';
import { registerHostLoginGuard } from './host-login.js';
import { twoFactorNativeRoutes, twoFactorRoutes } from './routes.js';
import { pruneTwoFactorRecords, TWO_FACTOR_MIGRATIONS } from './store.js';
import { drain } from '../shared/util/batch.js';

/** Accepted steps and attempt counters are kept at least as long as a lock lasts (10 min at the least). */
async function pruneOldCodeRecords(rt: Runtime, now: number) {
	const olderThan = now - Math.max(rt.config.otpLockMs, 600_000);
	return { prunedTwoFactorRecords: await drain((limit) => pruneTwoFactorRecords(rt.knex, olderThan, limit), rt.config.scheduleBatchSize) };
}

export const twoFactor: Capability = {
	name: 'two-factor',
	routes: twoFactorRoutes,
	nativeRoutes: twoFactorNativeRoutes,
	hooks: registerHostLoginGuard,
	job: pruneOldCodeRecords,
	migrations: TWO_FACTOR_MIGRATIONS,
};
