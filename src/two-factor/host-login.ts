// Replay and brute-force protection on the host's own login (`POST /auth/login`, the Data
// Studio's sign-in, GraphQL `auth_login`, and the other providers' logins): the `auth.login`
// filter runs inside AuthenticationService.login before the host checks the password and the
// code; a DirectusError thrown here is answered by the host's error handler in its own format.
//
// Providers other than `default` (read from the host's services/authentication.js, v39):
// - LDAP (`POST /auth/login/<ldap>`): the payload is the request body, `otp` included, but the
//   filter runs before the host binds to the directory with the password, and we can't check an
//   LDAP password ourselves. So the filter neither counts nor records a code for these logins (a
//   caller without the password could otherwise burn the user's attempts and lock them out): it
//   only refuses while the codes are locked and refuses a code whose step was already accepted
//   (read only). The host checks the code itself; the `auth.login` action then books the outcome,
//   which the host emits only after the provider accepted the password: a refused code counts
//   towards the lock, an accepted one records its step. Counting after the fact lags a little
//   (actions run asynchronously), so a burst of concurrent guesses may get a few more checks than
//   the cap, but every one of them needed the password.
// - OpenID / OAuth2: the code travels in the signed state cookie (`?otp=` on
//   `GET /auth/login/<provider>`), and reaches the host as `options.otp`, never in the payload
//   the filter and the action see. The host checks it with window 0 and records nothing, so for
//   these logins there is no replay protection and no counting of wrong codes (a code can be
//   used again within its 30 s step by whoever also completes the identity provider's sign-in as
//   that user). What we can do without the code: refuse while the codes are locked.
// - SAML passes no code at all: the host refuses every TFA user there.
import type { RegisterFunctions } from '@directus/types';
import { schemaFor, stallUntil, type FlowOptions } from '../shared/host.js';
import type { Runtime } from '../shared/runtime.js';
import { DEFAULT_PROVIDER, findTwoFactorUser } from '../shared/users.js';
import { InvalidOtpError, isDirectusError } from '../shared/util/errors.js';
import { acceptOtp, bookCheckedCode, lockedError } from './code-gate.js';
import { isRecoveryLogin } from './recovery-login.js';
import { isStepAccepted, lockedUntil } from './store.js';
import { matchTotpStep } from './totp.js';

export function registerHostLoginGuard(register: RegisterFunctions, rt: Runtime): void {
	register.filter('auth.login', async (payload, meta, context) => {
		const body = payload as Record<string, unknown>;
		const userId = meta['user'];
		const provider = String(meta['provider'] ?? DEFAULT_PROVIDER);
		const otp = body?.['otp'];
		// No user: the host refuses.
		if (typeof userId !== 'string') return payload;
		if (typeof otp !== 'string' || otp === '') {
			// No code in the payload: the host asks for one (INVALID_OTP) when TFA is on. Another
			// provider's code may be out of our sight (OpenID/OAuth2): the lock still holds.
			if (provider !== DEFAULT_PROVIDER) await refuseWhileLocked(rt, userId, provider, performance.now());
			return payload;
		}
		await guardHostLogin(rt, { userId, provider, password: body['password'], otp }, { accountability: null, schema: context.schema ?? undefined });
		return payload;
	});
	register.action('auth.login', async (meta) => {
		try {
			await bookOtherProviderLogin(rt, meta as Record<string, unknown>);
		} catch (error) {
			rt.logger.warn(`[user-lifecycle] could not book a ${String(meta['provider'])} login's code: ${(error as Error)?.message ?? 'unknown error'}`);
		}
	});
}

/** Refuses (429 after the stall) while the user's codes are locked; no password needed to refuse every code. */
async function refuseWhileLocked(rt: Runtime, userId: string, provider: string, start: number): Promise<void> {
	if (isRecoveryLogin(userId)) return;
	const user = await findTwoFactorUser(rt.knex, { id: userId });
	if (!user?.tfa_secret || user.provider !== provider) return;
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked === null) return;
	await stallUntil(start, rt.config.loginStallMs);
	throw lockedError(rt, locked);
}

/**
 * Runs before the host checks the password and the code. For the default provider, when the
 * password is right (checked here, so a caller without it can neither burn a step nor lock the
 * user out) the code must pass `acceptOtp` with the host's own window (0 steps), so what we record
 * is what the host accepts. Other providers: see the top of this file (nothing counted or recorded
 * here). Refusals wait LOGIN_STALL_TIME like the host's, so timing doesn't tell a right password.
 */
export async function guardHostLogin(rt: Runtime, input: { userId: string; provider: string; password: unknown; otp: string }, options: FlowOptions): Promise<void> {
	const start = performance.now();
	if (isRecoveryLogin(input.userId)) return;
	const user = await findTwoFactorUser(rt.knex, { id: input.userId });
	if (!user?.tfa_secret || user.provider !== input.provider) return;
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked !== null) {
		await stallUntil(start, rt.config.loginStallMs);
		throw lockedError(rt, locked); // no password check needed to refuse every code
	}
	if (user.provider !== DEFAULT_PROVIDER) {
		// A replay is refused without writing anything (telling it needs the code itself).
		const step = matchTotpStep(input.otp, user.tfa_secret, Date.now(), 0);
		if (step === null || !(await isStepAccepted(rt.knex, user.id, step))) return;
		await stallUntil(start, rt.config.loginStallMs);
		throw new InvalidOtpError();
	}
	if (typeof input.password !== 'string') return;
	const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: null });
	try {
		await auth.verifyPassword(user.id, input.password);
	} catch {
		return; // the host refuses the password itself
	}
	const check = await acceptOtp(rt, user.id, user.tfa_secret, input.otp, 0);
	if (check.ok) return;
	await stallUntil(start, rt.config.loginStallMs);
	throw check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : new InvalidOtpError();
}

/**
 * The `auth.login` action of a login by another provider that carried a code in its payload
 * (LDAP). The host emits `fail` with INVALID_OTP only after the provider accepted the password,
 * and `success` only after it accepted the code: the refused code is counted (the lock may
 * start), the accepted one's step recorded. The default provider's codes went through the gate in
 * the filter already.
 */
export async function bookOtherProviderLogin(rt: Runtime, meta: Record<string, unknown>): Promise<void> {
	const provider = String(meta['provider'] ?? DEFAULT_PROVIDER);
	const userId = meta['user'];
	const otp = (meta['payload'] as Record<string, unknown> | undefined)?.['otp'];
	if (provider === DEFAULT_PROVIDER || typeof userId !== 'string' || typeof otp !== 'string' || otp === '') return;
	const accepted = meta['status'] === 'success';
	if (!accepted && !(meta['status'] === 'fail' && isDirectusError(meta['error'], 'INVALID_OTP'))) return;
	const user = await findTwoFactorUser(rt.knex, { id: userId });
	if (!user?.tfa_secret || user.provider !== provider) return;
	await bookCheckedCode(rt, user.id, user.tfa_secret, otp, accepted);
}
