// Two-factor authentication: the secret lives where the host keeps it (directus_users.tfa_secret),
// so the host's login, the Data Studio and per-policy "require 2FA" go on enforcing it. Every path
// that accepts a code goes through `acceptOtp`: lock check -> verify -> record the step (replay) or
// count the failure (lockout), all in the database so instances share it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import { ForbiddenError, HitRateLimitError, InvalidCredentialsError, InvalidOtpError, InvalidPayloadError } from '../errors.js';
import {
	DEFAULT_WINDOW,
	generateRecoveryCodes,
	generateTotpSecret,
	isBase32Secret,
	matchTotpStep,
	msLeftInStep,
	normalizeRecoveryCode,
	otpauthUrl,
	totpAt,
} from '../policy/totp.js';
import type { Runtime } from '../runtime.js';
import { recordEvents } from '../store/audit.js';
import {
	clearFailures,
	countRecoveryCodes,
	deleteTwoFactorState,
	countAttempt,
	lockCodes,
	lockedUntil,
	recordAcceptedStep,
	replaceRecoveryCodes,
	restoreRecoveryCode,
	spendRecoveryCode,
} from '../store/two-factor.js';
import { runAsFlow } from './flow-context.js';
import { readSettings, schemaFor, stallUntil, type FlowOptions } from './host.js';

const DEFAULT_PROVIDER = 'default';

interface TwoFactorUser {
	id: string;
	email: string | null;
	status: string;
	provider: string;
	external_identifier: string | null;
	tfa_secret: string | null;
}

async function readUser(rt: Runtime, where: { id: string } | { email: string }): Promise<TwoFactorUser | undefined> {
	const query = rt.knex('directus_users').select('id', 'email', 'status', 'provider', 'external_identifier', 'tfa_secret');
	if ('id' in where) return query.where({ id: where.id }).first();
	return query.whereRaw('LOWER(??) = ?', ['email', where.email.toLowerCase()]).first();
}

// --- the one gate for codes ----------------------------------------------------------------

export type CodeCheck = { ok: true } | { ok: false; lockedUntil: number | null };

/**
 * The gate every code goes through. Refused while the user is locked out. Otherwise the attempt
 * is counted before the code is checked (so concurrent guesses each take a number and at most
 * OTP_MAX_ATTEMPTS are ever checked per window); the one that reaches the cap starts the lock
 * unless its code is right. A right code clears the count.
 */
async function gate(rt: Runtime, userId: string, check: (now: number) => Promise<boolean>): Promise<CodeCheck> {
	await rt.ready;
	const { knex, config } = rt;
	const now = Date.now();
	const locked = await lockedUntil(knex, userId, now);
	if (locked !== null) return { ok: false, lockedUntil: locked };
	const attempt = await countAttempt(knex, userId, config.otpLockMs, now);
	if (attempt > config.otpMaxAttempts) {
		await lockCodes(knex, userId, now + config.otpLockMs, now);
		return { ok: false, lockedUntil: now + config.otpLockMs };
	}
	if (await check(now)) {
		await clearFailures(knex, userId, now);
		return { ok: true };
	}
	if (attempt < config.otpMaxAttempts) return { ok: false, lockedUntil: null };
	await lockCodes(knex, userId, now + config.otpLockMs, now);
	return { ok: false, lockedUntil: now + config.otpLockMs };
}

/**
 * Accepts a TOTP code for a user at most once (RFC 6238 §5.2): a right code records its time
 * step, and the unique key makes a second acceptance fail on every instance (a replay counts as a
 * wrong code).
 */
export async function acceptOtp(rt: Runtime, userId: string, secret: string, code: string, window = DEFAULT_WINDOW): Promise<CodeCheck> {
	return gate(rt, userId, async (now) => {
		const step = matchTotpStep(code, secret, now, window);
		return step !== null && (await recordAcceptedStep(rt.knex, userId, step, now));
	});
}

/** Same gate for a recovery code, spent by one conditional UPDATE. */
async function acceptRecoveryCode(rt: Runtime, userId: string, input: string): Promise<CodeCheck & { spentAt?: number; hash?: string }> {
	const code = normalizeRecoveryCode(input);
	const hash = code === null ? null : hashRecoveryCode(rt, userId, code);
	let spentAt: number | undefined;
	const result = await gate(rt, userId, async (now) => {
		if (hash === null || !(await spendRecoveryCode(rt.knex, userId, hash, now))) return false;
		spentAt = now;
		return true;
	});
	return result.ok ? { ...result, spentAt, hash: hash! } : result;
}

function lockedError(rt: Runtime, until: number): Error {
	return new HitRateLimitError({ limit: rt.config.otpMaxAttempts, reset: new Date(until) });
}

/** Throws the lock (429) or `wrong()` unless the check passed. */
function assertAccepted(rt: Runtime, check: CodeCheck, wrong: () => Error): void {
	if (check.ok) return;
	throw check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : wrong();
}

const invalidOtp = () => new InvalidPayloadError({ reason: `"otp" is invalid` });
const invalidRecoveryCode = () => new InvalidPayloadError({ reason: `"recovery_code" is invalid` });

/** Recovery codes are stored as HMACs keyed from the host's SECRET: a database dump alone can't brute-force 50 bits. */
function hashRecoveryCode(rt: Runtime, userId: string, code: string): string {
	return createHmac('sha256', rt.recoveryCodeKey).update(`${userId}:${code}`).digest('hex');
}

async function issueRecoveryCodes(rt: Runtime, knex: Runtime['knex'], userId: string): Promise<string[]> {
	const codes = generateRecoveryCodes(rt.config.recoveryCodeCount);
	await replaceRecoveryCodes(knex, userId, codes.map((c) => hashRecoveryCode(rt, userId, normalizeRecoveryCode(c)!)));
	return codes;
}

/** Writes tfa_secret only when it still holds `expected` (two concurrent enables: one wins). */
async function writeSecret(knex: Runtime['knex'], userId: string, expected: string | null, next: string | null): Promise<boolean> {
	const query = knex('directus_users').where({ id: userId });
	if (expected === null) query.whereNull('tfa_secret');
	else query.where({ tfa_secret: expected });
	return (await query.update({ tfa_secret: next })) === 1;
}

async function enabledUser(rt: Runtime, userId: string): Promise<TwoFactorUser & { tfa_secret: string }> {
	const user = await readUser(rt, { id: userId });
	if (!user) throw new InvalidCredentialsError();
	if (!user.tfa_secret) throw new InvalidPayloadError({ reason: `User "${userId}" doesn't have TFA enabled` });
	return user as TwoFactorUser & { tfa_secret: string };
}

// --- the authenticated user's routes -------------------------------------------------------

export async function generateTwoFactorSecret(rt: Runtime, userId: string, password: string | undefined, options: FlowOptions): Promise<{ secret: string; otpauth_url: string }> {
	await rt.ready;
	const user = await readUser(rt, { id: userId });
	if (!user) throw new InvalidCredentialsError();
	if (user.provider === DEFAULT_PROVIDER) {
		// A stolen access token alone can't start a takeover of the second factor.
		if (password === undefined) throw new InvalidPayloadError({ reason: `"password" is required` });
		const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: options.accountability });
		await auth.verifyPassword(userId, password);
	}
	if (user.tfa_secret) throw new InvalidPayloadError({ reason: 'TFA Secret is already set for this user' });
	if (user.provider === DEFAULT_PROVIDER && !user.email) throw new InvalidPayloadError({ reason: 'User must have a valid email to enable TFA' });
	const secret = generateTotpSecret();
	const settings = await readSettings(rt.knex);
	const account = user.email || user.external_identifier || `user_${user.id}`;
	return { secret, otpauth_url: otpauthUrl(account, settings.project_name || 'Directus', secret) };
}

/** Stores the secret once a code proves the app has it; returns a fresh set of recovery codes. */
export async function enableTwoFactor(rt: Runtime, userId: string, input: { secret: string; otp: string }, opts: { recoveryCodes: boolean }): Promise<{ recovery_codes: string[] }> {
	await rt.ready;
	const user = await readUser(rt, { id: userId });
	if (!user) throw new InvalidCredentialsError();
	if (user.tfa_secret) throw new InvalidPayloadError({ reason: 'TFA Secret is already set for this user' });
	if (!isBase32Secret(input.secret)) throw new InvalidPayloadError({ reason: `"secret" is invalid` });
	assertAccepted(rt, await acceptOtp(rt, userId, input.secret, input.otp), invalidOtp);
	return runAsFlow({ via: 'two-factor', actor: userId, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			if (!(await writeSecret(trx, userId, null, input.secret))) throw new InvalidPayloadError({ reason: 'TFA Secret is already set for this user' });
			return { recovery_codes: opts.recoveryCodes ? await issueRecoveryCodes(rt, trx, userId) : [] };
		}),
	);
}

export type SecondFactor = { otp: string } | { recovery_code: string };

async function assertSecondFactor(rt: Runtime, user: TwoFactorUser & { tfa_secret: string }, factor: SecondFactor): Promise<void> {
	if ('otp' in factor) assertAccepted(rt, await acceptOtp(rt, user.id, user.tfa_secret, factor.otp), invalidOtp);
	else assertAccepted(rt, await acceptRecoveryCode(rt, user.id, factor.recovery_code), invalidRecoveryCode);
}

export async function disableTwoFactor(rt: Runtime, userId: string, factor: SecondFactor): Promise<void> {
	await rt.ready;
	const user = await enabledUser(rt, userId);
	await assertSecondFactor(rt, user, factor);
	await runAsFlow({ via: 'two-factor', actor: userId, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			await writeSecret(trx, userId, user.tfa_secret, null);
			await deleteTwoFactorState(trx, userId);
		}),
	);
}

/** A fresh set of recovery codes; the old set stops working. Needs a valid code. */
export async function regenerateRecoveryCodes(rt: Runtime, userId: string, otp: string): Promise<{ recovery_codes: string[] }> {
	await rt.ready;
	const user = await enabledUser(rt, userId);
	assertAccepted(rt, await acceptOtp(rt, userId, user.tfa_secret, otp), invalidOtp);
	return rt.knex.transaction(async (trx) => ({ recovery_codes: await issueRecoveryCodes(rt, trx, userId) }));
}

export async function twoFactorStatus(rt: Runtime, userId: string): Promise<{ enabled: boolean; recovery_codes_remaining: number }> {
	await rt.ready;
	const user = await readUser(rt, { id: userId });
	if (!user) throw new InvalidCredentialsError();
	const enabled = Boolean(user.tfa_secret);
	return { enabled, recovery_codes_remaining: enabled ? await countRecoveryCodes(rt.knex, userId) : 0 };
}

/** Admins only: clears the secret and the recovery codes, and leaves an audit event. */
export async function resetTwoFactor(rt: Runtime, targetId: string, options: FlowOptions): Promise<void> {
	await rt.ready;
	const actor = options.accountability?.user ?? null;
	if (!actor) throw new InvalidCredentialsError();
	if (options.accountability?.admin !== true) throw new ForbiddenError();
	const user = await readUser(rt, { id: targetId });
	if (!user) throw new ForbiddenError();
	await runAsFlow({ via: 'tfa-reset', actor, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			await trx('directus_users').where({ id: targetId }).update({ tfa_secret: null });
			await deleteTwoFactorState(trx, targetId);
			await recordEvents(trx, [{ user: targetId, event: 'tfa-reset', actor, via: 'tfa-reset' }]);
		}),
	);
}

// --- login with a recovery code ------------------------------------------------------------

// Marks the host login our recovery-code login makes, for the auth.login hook: that login
// carries a code made server-side from the stored secret, which is not the user's to replay.
const recoveryLogins = new AsyncLocalStorage<string>();

export function isRecoveryLogin(userId: string): boolean {
	return recoveryLogins.getStore() === userId;
}

export interface RecoveryLoginInput {
	email: string;
	password: string;
	recovery_code: string;
	mode: 'json' | 'cookie' | 'session';
}

/**
 * Password first (a wrong password spends nothing), then the recovery code (one conditional
 * UPDATE), then the host's own login — so the answer, the session, the activity record and the
 * host's checks (status, licence, login attempts) are exactly those of `POST /auth/login`. The
 * host wants a current TOTP code for a TFA user: we make one from the stored secret, inside a
 * scope the auth.login hook recognises. If the host's login fails after the code was spent, the
 * code is given back.
 */
export async function loginWithRecoveryCode(rt: Runtime, input: RecoveryLoginInput, options: FlowOptions) {
	await rt.ready;
	const start = performance.now();
	const refuse = async (error: Error = new InvalidCredentialsError()): Promise<never> => {
		await stallUntil(start, rt.config.loginStallMs);
		throw error;
	};
	const user = await readUser(rt, { email: input.email });
	if (!user || user.provider !== DEFAULT_PROVIDER || user.status !== 'active') return refuse();
	const schema = await schemaFor(rt, options);
	const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema, accountability: options.accountability });
	try {
		await auth.verifyPassword(user.id, input.password);
	} catch {
		return refuse();
	}
	if (!user.tfa_secret) return refuse();
	const check = await acceptRecoveryCode(rt, user.id, input.recovery_code);
	if (!check.ok) return refuse(check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : new InvalidCredentialsError());

	const secret = user.tfa_secret;
	// Don't mint a code in the last moments of its step: the host checks it a little later.
	if (msLeftInStep(Date.now()) < 2000) await new Promise((resolve) => setTimeout(resolve, msLeftInStep(Date.now()) + 50));
	try {
		return await recoveryLogins.run(user.id, () =>
			auth.login(DEFAULT_PROVIDER, { email: input.email, password: input.password }, { otp: totpAt(secret, Date.now()), session: input.mode === 'session' }),
		);
	} catch (error) {
		await restoreRecoveryCode(rt.knex, user.id, check.hash!, check.spentAt!);
		throw error;
	}
}

// --- the host's own login (POST /auth/login), through the auth.login filter -----------------

/**
 * Runs before the host checks the password and the code. When the password is right (checked
 * here, so a caller without it can neither burn a step nor lock the user out) the code must pass
 * `acceptOtp` with the host's own window (0 steps), so what we record is what the host accepts.
 * Refusals wait LOGIN_STALL_TIME like the host's, so timing doesn't tell a right password.
 */
export async function guardHostLogin(rt: Runtime, input: { userId: string; provider: string; password: unknown; otp: string }, options: FlowOptions): Promise<void> {
	const start = performance.now();
	if (isRecoveryLogin(input.userId)) return;
	await rt.ready;
	const user = await readUser(rt, { id: input.userId });
	if (!user?.tfa_secret || user.provider !== input.provider) return;
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked !== null) {
		await stallUntil(start, rt.config.loginStallMs);
		throw lockedError(rt, locked); // no password check needed to refuse every code
	}
	if (user.provider === DEFAULT_PROVIDER) {
		if (typeof input.password !== 'string') return;
		const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: null });
		try {
			await auth.verifyPassword(user.id, input.password);
		} catch {
			return; // the host refuses the password itself
		}
	}
	const check = await acceptOtp(rt, user.id, user.tfa_secret, input.otp, 0);
	if (check.ok) return;
	await stallUntil(start, rt.config.loginStallMs);
	throw check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : new InvalidOtpError();
}
