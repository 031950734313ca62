// Two-factor: TOTP on the host's own `tfa_secret` (so the host's login and the Data Studio keep
// enforcing it), one code gate for every path (lock, replay, attempts counted across instances),
// recovery codes (hashed, one row each, single use under concurrency), recovery-code login, the
// admins' audited reset, and the guard on the host's own login.
import type { Capability } from '../shared/capability.js';
import { TWO_FACTOR_SETTINGS } from './settings.js';
import { twoFactorGraphql } from './graphql.js';
import type { Runtime } from '../shared/runtime.js';
import { registerOwnSecretGuard } from './enforced.js';
import { registerHostLoginGuard } from './host-login.js';
import { twoFactorNativeRoutes, twoFactorRoutes } from './routes.js';
import { prunePasswordAttempts, prunePendingSecrets, pruneTwoFactorRecords, TWO_FACTOR_MIGRATIONS } from './store.js';
import { drain } from '../shared/util/batch.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'tfa-enabled': true;
		'tfa-disabled': true;
		'tfa-reset': true;
		'recovery-codes-issued': true;
		'recovery-code-used': true;
	}
}

/**
 * Accepted steps and wrong-code counters (and the retired recovery-login password counter's
 * rows) are kept at least as long as a lock lasts (10 min at the least); pending secrets go once
 * expired.
 */
async function pruneOldCodeRecords(rt: Runtime, now: number) {
	const olderThan = now - Math.max(rt.config.otpLockMs, 600_000);
	const batch = rt.config.scheduleBatchSize;
	const records = await drain((limit) => pruneTwoFactorRecords(rt.knex, olderThan, limit), batch);
	const passwords = await drain((limit) => prunePasswordAttempts(rt.knex, olderThan, limit), batch);
	return {
		prunedTwoFactorRecords: records + passwords,
		prunedPendingSecrets: await drain((limit) => prunePendingSecrets(rt.knex, now, limit), batch),
	};
}

export const twoFactor: Capability = {
	name: 'two-factor',
	settings: TWO_FACTOR_SETTINGS,
	routes: twoFactorRoutes,
	nativeRoutes: twoFactorNativeRoutes,
	graphql: twoFactorGraphql,
	hooks: (register, rt) => {
		registerOwnSecretGuard(register, rt);
		registerHostLoginGuard(register, rt);
	},
	job: pruneOldCodeRecords,
	migrations: TWO_FACTOR_MIGRATIONS,
};
