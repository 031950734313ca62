// Replay and brute-force protection on the host's own login (`POST /auth/login`, the Data
// Studio's sign-in, GraphQL `auth_login`, and the other providers' logins): the `auth.login`
// filter runs inside AuthenticationService.login before the host checks the password and the
// code; a DirectusError thrown here is answered by the host's error handler in its own format.
//
// Default provider: one password verification per login, as on the bare host (issue 12). The
// code is matched first (an HMAC, no password needed):
// - a right code is claimed in the filter (its time step recorded: the unique key makes one of
//   two concurrent logins with it win, on any instance); the host then verifies the password and
//   the code as usual. If the host refuses the login (a wrong password), the `auth.login` action
//   gives the step back; if it accepts, the `auth.jwt` filter (after both checks, before the
//   session exists) clears the wrong-code count.
// - a wrong or replayed code is answered here: the filter verifies the password (this login's
//   only verification: the host's is never reached). A wrong password gets the host's own answer
//   and is reported on the host's `auth.login` action like the host's refusals (the login lock
//   counts it); a right one takes a number at the code gate (counted before it is answered) and
//   gets INVALID_OTP, or 429 once the cap is reached. Someone without the password never reaches
//   the count, so they can neither burn the user's attempts nor lock them.
// Bound for a burst of concurrent guesses by someone who has the password: codes answered as
// wrong <= MAX - 1 across all instances (the gate's atomic count); codes looked at before the lock
// starts <= MAX + I - 1, I = the instances the burst reaches: within an instance a user's coded
// logins take turns from the lock check to the count, so the lock one of them starts is seen by
// the next (a right guess is looked at without taking a number: that is the price of not
// verifying the password first).
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
import { DEFAULT_PROVIDER } from '../shared/users.js';
import { findTwoFactorUser, type TwoFactorUserRow } from './users.js';
import { InvalidCredentialsError, InvalidOtpError, isDirectusError } from '../shared/util/errors.js';
import { KeyedTurns } from '../shared/util/per-key.js';
import { bookCheckedCode, lockedError, refuseWrongCode } from './code-gate.js';
import { isRecoveryLogin, spendRecoveryCodeOnLogin } from './recovery-login.js';
import { clearFailures, codeAttempts, isStepAccepted, lockedUntil, recordAcceptedStep, releaseAcceptedStep } from './store.js';
import { matchTotpStep } from './totp.js';

/** A step claimed by a login still in the host's hands. */
interface Claim {
	userId: string;
	step: number;
	at: number;
	/** The user had wrong codes counted: a login that goes through clears them. */
	hadFailures: boolean;
}

/** A claim whose login neither ended nor reached `auth.jwt` within this is forgotten (a later hook threw). */
const CLAIM_TTL_MS = 120_000;

/** The state one registration of the guard keeps between a login's filter, `auth.jwt` and action. */
export class HostLoginGuard {
	private readonly turns = new KeyedTurns();
	/** Claim by the login's payload object (the host hands the same object to the action). */
	private readonly claims = new WeakMap<object, Claim>();
	/** Claims by user, for `auth.jwt` (which sees the user, not the payload). */
	private readonly open = new Map<string, Set<Claim>>();

	constructor(private readonly rt: Runtime) {}

	/**
	 * The default provider's coded login, before the host checks anything but the user. Returns
	 * normally when the host should go on (a claimed code, or nothing of ours to say); throws the
	 * answer otherwise (after LOGIN_STALL_TIME, like the host's refusals).
	 */
	async before(user: TwoFactorUserRow & { tfa_secret: string }, payload: Record<string, unknown>, otp: string, options: FlowOptions): Promise<void> {
		const { rt } = this;
		const start = performance.now();
		const refusal = await this.turns.run(user.id, async (): Promise<Error | null> => {
			const now = Date.now();
			const attempts = await codeAttempts(rt.knex, user.id);
			if (attempts.lockedUntil !== null && attempts.lockedUntil > now) return lockedError(rt, attempts.lockedUntil); // no password needed to refuse every code
			const step = matchTotpStep(otp, user.tfa_secret, now, 0); // the host's own window
			if (step !== null && (await recordAcceptedStep(rt.knex, user.id, step, now))) {
				this.hold(payload, { userId: user.id, step, at: now, hadFailures: attempts.failures > 0 });
				return null;
			}
			const password = payload['password'];
			if (typeof password !== 'string') return null; // the host refuses the payload itself
			const schema = await schemaFor(rt, options);
			try {
				await new rt.services.AuthenticationService({ knex: rt.knex, schema, accountability: null }).verifyPassword(user.id, password);
			} catch {
				return this.reported(payload, user, new InvalidCredentialsError(), options);
			}
			const check = await refuseWrongCode(rt, user.id);
			return check.ok ? null : check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : this.reported(payload, user, new InvalidOtpError(), options);
		});
		if (refusal === null) return;
		await stallUntil(start, rt.config.loginStallMs);
		throw refusal;
	}

	/** `auth.jwt` of a login: both checks passed. A claimed code was right: the count starts afresh. */
	async accepted(userId: string): Promise<void> {
		const set = this.open.get(userId);
		if (!set) return;
		const now = Date.now();
		let clear = false;
		for (const claim of set) {
			if (now - claim.at < CLAIM_TTL_MS) clear ||= claim.hadFailures;
			set.delete(claim);
		}
		this.open.delete(userId);
		if (clear) await clearFailures(this.rt.knex, userId);
	}

	/** The `auth.login` action of the default provider: a refused login gives its claimed step back. */
	async ended(meta: Record<string, unknown>): Promise<void> {
		const payload = meta['payload'];
		if (typeof payload !== 'object' || payload === null) return;
		const claim = this.claims.get(payload);
		if (!claim) return;
		this.claims.delete(payload);
		this.open.get(claim.userId)?.delete(claim);
		if (this.open.get(claim.userId)?.size === 0) this.open.delete(claim.userId);
		if (meta['status'] === 'fail') await releaseAcceptedStep(this.rt.knex, claim.userId, claim.step, claim.at);
	}

	private hold(payload: Record<string, unknown>, claim: Claim): void {
		this.claims.set(payload, claim);
		let set = this.open.get(claim.userId);
		if (!set) this.open.set(claim.userId, (set = new Set()));
		set.add(claim);
	}

	/** A refusal answered in the host's place is reported on its `auth.login` action, as the host reports its own. */
	private reported(payload: Record<string, unknown>, user: TwoFactorUserRow, error: Error, options: FlowOptions & { database?: unknown }): Error {
		void this.rt.events.emitHost(
			'auth.login',
			{ payload, status: 'fail', user: user.id, provider: user.provider, error },
			{ database: this.rt.knex, schema: options.schema ?? null, accountability: options.accountability },
		);
		return error;
	}
}

export function registerHostLoginGuard(register: RegisterFunctions, rt: Runtime): void {
	const guard = new HostLoginGuard(rt);
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
		const options = { accountability: (context as { accountability?: FlowOptions['accountability'] }).accountability ?? null, schema: context.schema ?? undefined };
		await guardHostLogin(rt, guard, { userId, provider, payload: body, otp }, options);
		return payload;
	});
	register.filter('auth.jwt', async (claims, meta) => {
		if (meta['type'] !== 'login' || typeof meta['user'] !== 'string') return claims;
		if (isRecoveryLogin(meta['user'])) await spendRecoveryCodeOnLogin(rt, meta['user']);
		else await guard.accepted(meta['user']);
		return claims;
	});
	register.action('auth.login', async (meta) => {
		try {
			if (String(meta['provider'] ?? DEFAULT_PROVIDER) === DEFAULT_PROVIDER) await guard.ended(meta as Record<string, unknown>);
			else await bookOtherProviderLogin(rt, meta as Record<string, unknown>);
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
 * Runs before the host checks the password and the code. Default provider: see the top of this
 * file. Other providers: nothing counted or recorded here (see the top of this file); refused
 * while locked, and a replay is refused without writing anything. Refusals wait LOGIN_STALL_TIME
 * like the host's, so timing doesn't tell a right password.
 */
export async function guardHostLogin(
	rt: Runtime,
	guard: HostLoginGuard,
	input: { userId: string; provider: string; payload: Record<string, unknown>; otp: string },
	options: FlowOptions,
): Promise<void> {
	const start = performance.now();
	if (isRecoveryLogin(input.userId)) return;
	const user = await findTwoFactorUser(rt.knex, { id: input.userId });
	// Not ours to answer: no TFA, another provider's user, or one the host refuses before any check.
	if (!user?.tfa_secret || user.provider !== input.provider || user.status !== 'active') return;
	if (user.provider === DEFAULT_PROVIDER) return guard.before(user as TwoFactorUserRow & { tfa_secret: string }, input.payload, input.otp, options);
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked !== null) {
		await stallUntil(start, rt.config.loginStallMs);
		throw lockedError(rt, locked); // no password check needed to refuse every code
	}
	// A replay is refused without writing anything (telling it needs the code itself).
	const step = matchTotpStep(input.otp, user.tfa_secret, Date.now(), 0);
	if (step === null || !(await isStepAccepted(rt.knex, user.id, step))) return;
	await stallUntil(start, rt.config.loginStallMs);
	throw new InvalidOtpError();
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
