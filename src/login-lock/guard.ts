// The timed login lock on every password login the host serves: `POST /auth/login` (json, cookie
// and session modes, the Data Studio's sign-in), GraphQL `auth_login`, LDAP's
// `POST /auth/login/<provider>`, and our recovery-code login (it logs in through the host).
//
// Read from the host's services/authentication.js (v12.4): the `auth.login` filter runs once the
// user is known and before the password is checked; the `auth.login` action reports the outcome
// (with the error) after. So:
// - the filter refuses a locked user with exactly a wrong password's answer (the host's 401
//   INVALID_CREDENTIALS after LOGIN_STALL_TIME) without the password being checked: a lock
//   confirms nothing, right and wrong passwords meet the same answer;
// - the action counts a refused password (INVALID_CREDENTIALS for an active user of that
//   provider: the host refuses others before any password check) and starts the lock at
//   USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS; a successful login clears the count.
// Only logins that carry a password are concerned (default and LDAP); OpenID, OAuth2 and SAML
// logins carry none, are never counted and never refused here. The status is never touched.
//
// Counting after the check keeps logins free of extra writes (only failures write), at a price:
// a burst of C concurrent wrong passwords for one user can have up to MAX + C - 1 passwords
// checked before the lock starts. Within one instance a login first waits for the bookings of
// that user's earlier failures, and an error answer leaves only once every booking running in the
// process is written, so sequential guesses, on one instance or spread over several, are counted
// exactly (REST; a GraphQL answer does not wait).
import type { RegisterFunctions } from '@directus/types';
import { stallUntil } from '../shared/host.js';
import type { Runtime } from '../shared/runtime.js';
import { findUserById } from '../shared/users.js';
import { InvalidCredentialsError, isDirectusError } from '../shared/util/errors.js';
import { PendingWork } from '../shared/util/per-key.js';
import { lockLogins, unlockLogins } from './lock.js';
import { clearFailures, countFailure, readAttempts } from './store.js';

/** A login whose payload carries a password (default, LDAP); SSO logins carry none. */
export function isPasswordLogin(payload: unknown): payload is Record<string, unknown> & { password: string } {
	return typeof payload === 'object' && payload !== null && typeof (payload as Record<string, unknown>)['password'] === 'string';
}

export function registerLoginLock(register: RegisterFunctions, rt: Runtime): void {
	if (rt.config.loginMaxAttempts === 0) return; // off
	const bookings = new PendingWork();
	// Whether the filter found a count for this login (the payload object travels from the filter
	// to the action): a success without one has nothing to clear, so it writes nothing.
	const hadCount = new WeakMap<object, boolean>();

	register.filter('auth.login', async (payload, meta) => {
		const userId = meta['user'];
		if (typeof userId !== 'string' || !isPasswordLogin(payload)) return payload;
		const start = performance.now();
		await bookings.settled(userId);
		const attempts = await readAttempts(rt.knex, userId);
		hadCount.set(payload, attempts !== null);
		if (attempts?.lockedUntil == null) return payload;
		if (attempts.lockedUntil > Date.now()) {
			await stallUntil(start, rt.config.loginStallMs);
			throw new InvalidCredentialsError(); // no password checked: the lock tells nobody anything
		}
		await unlockLogins(rt, userId, attempts.lockedUntil, 'login');
		return payload;
	});

	register.action('auth.login', async (meta) => {
		const userId = meta['user'];
		if (typeof userId !== 'string' || !isPasswordLogin(meta['payload'])) return;
		const work = bookOutcome(rt, userId, meta, hadCount.get(meta['payload']));
		bookings.track(userId, work);
		try {
			await work;
		} catch (error) {
			rt.logger.warn(`[user-lifecycle] could not book a login's outcome: ${(error as Error)?.message ?? 'unknown error'}`);
		}
	});

	// An error answer (a refused login among them) waits for the bookings under way in this
	// process, so the next attempt, on any instance, already sees this one counted.
	register.filter('request.error', async (errors) => {
		await bookings.settled();
		return errors;
	});
}

async function bookOutcome(rt: Runtime, userId: string, meta: Record<string, unknown>, hadCount: boolean | undefined): Promise<void> {
	if (meta['status'] === 'success') {
		if (hadCount !== false) await clearFailures(rt.knex, userId);
		return;
	}
	if (meta['status'] !== 'fail' || !isDirectusError(meta['error'], 'INVALID_CREDENTIALS')) return;
	const provider = String(meta['provider'] ?? '');
	// The host refuses inactive users and other providers' users before any password check.
	const user = await findUserById(rt.knex, userId);
	if (!user || user.status !== 'active' || user.provider !== provider) return;
	const now = Date.now();
	const attempts = await readAttempts(rt.knex, userId);
	if (attempts?.lockedUntil != null) {
		if (attempts.lockedUntil > now) return; // was in flight when the lock started: not counted again
		await unlockLogins(rt, userId, attempts.lockedUntil, 'login');
	}
	const failures = await countFailure(rt.knex, userId, rt.config.loginLockMs, now);
	if (failures >= rt.config.loginMaxAttempts) await lockLogins(rt, userId, failures, provider);
}
