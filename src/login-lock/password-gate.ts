// The one password gate: every password the extension lets anyone check passes here.
// - The host's own password logins (`POST /auth/login` in json, cookie and session modes, the Data
//   Studio's sign-in, GraphQL `auth_login`, LDAP's `POST /auth/login/<provider>`, and our
//   recovery-code login, which logs in through the host): the host checks the password, between
//   its `auth.login` filter (the user known, nothing checked) and its `auth.login` action (the
//   outcome), read from services/authentication.js (v12.4).
// - Passwords our routes take (two-factor set-up, and every later proof): `rt.passwords.check`,
//   which checks with the host's own AuthenticationService.verifyPassword.
// Both go through `admit` first: a locked user is refused with exactly a wrong password's answer
// (401 INVALID_CREDENTIALS after LOGIN_STALL_TIME) without the password being hashed, so a lock
// confirms nothing; then the attempt takes a place BEFORE the password is hashed, and is hashed
// only while the checks under way plus the wrong passwords counted stay within
// USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: a burst of concurrent wrong passwords has at most MAX of them
// checked (each place is one statement the database serialises, read back after it), and an
// attempt refused for want of a place starts no lock (the owner's own burst of right passwords
// locks nothing). The outcome settles the place: a wrong password turns it into a counted failure
// (the lock starts at MAX), a right one clears the count, anything else (a wrong code after a right
// password, a user the host refuses before any check) gives it back.
// While a user is locked, a login from a device that signed in as them before (a device cookie,
// ./device.ts) is judged by that device's own count instead, so nobody locks the owner out.
// Only logins that carry a password are concerned: OpenID, OAuth2 and SAML carry none. The status
// is never touched. Within one instance a login first waits for the settling of that user's
// earlier attempts, and an error answer leaves once every settling under way is written.
import type { RegisterFunctions } from '@directus/types';
import { schemaFor, stallUntil } from '../shared/host.js';
import type { PasswordGate } from '../shared/passwords.js';
import type { Runtime } from '../shared/runtime.js';
import { findUserById } from '../shared/users.js';
import { InvalidCredentialsError, isDirectusError } from '../shared/util/errors.js';
import { PendingWork } from '../shared/util/per-key.js';
import { hit, forgetHits } from '../shared/rate-limit.js';
import { atLoginRequestEnd, endLoginRequestNow, presentedDevice, rememberDevice } from './device.js';
import { lockLogins, unlockLogins } from './lock.js';
import { admitCheck, readAttempts, settleCheck } from './store.js';

/** A login whose payload carries a password (default, LDAP); SSO logins carry none. */
export function isPasswordLogin(payload: unknown): payload is Record<string, unknown> & { password: string } {
	return typeof payload === 'object' && payload !== null && typeof (payload as Record<string, unknown>)['password'] === 'string';
}

const lockOn = (rt: Runtime) => rt.config.loginMaxAttempts > 0;

/** How an admitted attempt was counted: against the user, or (while the user is locked) against the device it came from. */
type Admission = { by: 'user' } | { by: 'device'; key: string };

/**
 * Whether this attempt may have its password hashed: not while the user's logins are locked
 * (unless `device`, a device that signed in as this user before, is within its own limit), and
 * not while the checks under way and the wrong passwords counted make the limit. An admitted
 * attempt holds a place until its outcome settles it.
 */
async function admit(rt: Runtime, userId: string, device: string | null = null): Promise<Admission | null> {
	const attempts = await readAttempts(rt.knex, userId);
	if (attempts?.lockedUntil != null) {
		if (attempts.lockedUntil > Date.now()) {
			if (device === null) return null;
			// The owner's own device is judged by its own wrong passwords, not by the lock.
			const key = `login-device:${device}`;
			const { hits } = await hit(rt.knex, key, rt.config.loginLockMs);
			return hits <= rt.config.loginMaxAttempts ? { by: 'device', key } : null;
		}
		await unlockLogins(rt, userId, attempts.lockedUntil, 'login');
	}
	// The row just read, unless the run-out lock above went with it.
	const rowSeen = attempts !== null && attempts.lockedUntil === null;
	return (await admitCheck(rt.knex, userId, rt.config.loginMaxAttempts, rt.config.loginLockMs, Date.now(), { rowSeen })) ? { by: 'user' } : null;
}

/** Settles an admitted attempt; a wrong password that makes the limit starts the lock. */
async function settle(rt: Runtime, userId: string, outcome: 'wrong' | 'right' | 'other', provider: string): Promise<void> {
	const failures = await settleCheck(rt.knex, userId, outcome);
	if (outcome === 'wrong' && failures >= rt.config.loginMaxAttempts) await lockLogins(rt, userId, failures, provider);
}

/** Refused with a wrong password's answer, after a login's stall. */
async function refuse(rt: Runtime, start: number): Promise<never> {
	await stallUntil(start, rt.config.loginStallMs);
	throw new InvalidCredentialsError();
}

/** `rt.passwords`: a password our routes take, checked by the host, counted like a login. */
export function createPasswordGate(rt: Runtime): PasswordGate {
	return {
		async check(userId, password, options) {
			const start = performance.now();
			const user = await findUserById(rt.knex, userId);
			const provider = user?.provider ?? 'default';
			if (lockOn(rt) && !(await admit(rt, userId))) return refuse(rt, start);
			const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: options.accountability ?? null });
			try {
				await auth.verifyPassword(userId, password);
			} catch (error) {
				const wrong = isDirectusError(error, 'INVALID_CREDENTIALS');
				if (lockOn(rt)) await settle(rt, userId, wrong ? 'wrong' : 'other', provider);
				if (!wrong) throw error;
				return refuse(rt, start);
			}
			if (lockOn(rt)) await settle(rt, userId, 'right', provider);
		},
	};
}

/** The host's password logins, through its `auth.login` filter and action. */
export function registerLoginGate(register: RegisterFunctions, rt: Runtime): void {
	if (!lockOn(rt)) return;
	const settling = new PendingWork();
	// How the filter counted each login's attempt (the payload object travels from the filter to the action).
	const counted = new WeakMap<object, Admission>();

	register.filter('auth.login', async (payload, meta) => {
		const userId = meta['user'];
		if (typeof userId !== 'string' || !isPasswordLogin(payload)) return payload;
		const start = performance.now();
		await settling.settled(userId);
		const admission = await admit(rt, userId, presentedDevice(rt, userId));
		if (!admission) return refuse(rt, start);
		counted.set(payload, admission);
		// A login the host ends without its action (a later hook, `auth.jwt` among them, refused
		// it) gives its place back once it has answered; one outside a request keeps it until the
		// window starts afresh.
		atLoginRequestEnd(() => {
			if (!counted.delete(payload) || admission.by !== 'user') return;
			settling.track(userId, settle(rt, userId, 'other', '').catch(() => undefined));
		});
		return payload;
	});

	register.action('auth.login', async (meta) => {
		const userId = meta['user'];
		const payload = meta['payload'];
		if (typeof userId !== 'string' || !isPasswordLogin(payload)) return;
		// Before any await: the host has not answered yet, so the device cookie still goes out with it.
		if (meta['status'] === 'success') rememberDevice(rt, userId);
		const admission = counted.get(payload);
		if (!admission) return;
		counted.delete(payload);
		const work = admission.by === 'device' ? settleDeviceLogin(rt, admission.key, meta) : settleLogin(rt, userId, meta);
		settling.track(userId, work);
		try {
			await work;
		} catch (error) {
			rt.logger.warn(`[user-lifecycle] could not book a login's outcome: ${(error as Error)?.message ?? 'unknown error'}`);
		}
	});

	// An error answer (a refused login among them) waits for the settling under way in this
	// process, so the next attempt, on any instance, already sees this one settled.
	register.filter('request.error', async (errors) => {
		endLoginRequestNow();
		await settling.settled();
		return errors;
	});
}

async function settleLogin(rt: Runtime, userId: string, meta: Record<string, unknown>): Promise<void> {
	const provider = String(meta['provider'] ?? '');
	if (meta['status'] === 'success') return settle(rt, userId, 'right', provider);
	// The host refuses inactive users and other providers' users before any password check.
	const wrong = meta['status'] === 'fail' && isDirectusError(meta['error'], 'INVALID_CREDENTIALS') && (await isActiveUserOf(rt, userId, provider));
	await settle(rt, userId, wrong ? 'wrong' : 'other', provider);
}

/** A device's attempt during a lock: a right password clears that device's count (the lock stays for everyone else). */
async function settleDeviceLogin(rt: Runtime, key: string, meta: Record<string, unknown>): Promise<void> {
	if (meta['status'] === 'success') await forgetHits(rt.knex, key);
}

async function isActiveUserOf(rt: Runtime, userId: string, provider: string): Promise<boolean> {
	const user = await findUserById(rt.knex, userId);
	return user?.status === 'active' && user.provider === provider;
}
