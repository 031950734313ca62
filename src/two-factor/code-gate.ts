// The one gate every code goes through (TOTP codes and recovery codes, on every path): the lock
// check, the attempt counted before the code is checked, replay protection for TOTP steps, and
// the lock after USER_LIFECYCLE_OTP_MAX_ATTEMPTS wrong codes. All in the database, so every
// instance of a cluster shares it.
import type { Runtime } from '../shared/runtime.js';
import { codesLocked } from './errors.js';
import { hashRecoveryCode, normalizeRecoveryCode, spendRecoveryCode } from './recovery-codes.js';
import { clearFailures, countAttempt, lockCodes, lockedUntil, recordAcceptedStep } from './store.js';
import { DEFAULT_WINDOW, matchTotpStep } from './totp.js';

export type CodeCheck = { ok: true } | { ok: false; lockedUntil: number | null };

/**
 * Refused while the user is locked out. Otherwise the attempt is counted before the code is
 * checked (so concurrent guesses each take a number and at most OTP_MAX_ATTEMPTS are ever checked
 * per window); the one that reaches the cap starts the lock unless its code is right. A right
 * code clears the count.
 */
async function gate(rt: Runtime, userId: string, check: (now: number) => Promise<boolean>): Promise<CodeCheck> {
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

/**
 * A TOTP code already known to be wrong (or replayed) for a caller whose password was right: it
 * goes through the same count and lock as a checked one, so of a burst of concurrent wrong codes
 * at most OTP_MAX_ATTEMPTS - 1 are answered as wrong and the one reaching the cap starts the lock.
 */
export async function refuseWrongCode(rt: Runtime, userId: string): Promise<CodeCheck> {
	return gate(rt, userId, async () => false);
}

/** Same gate for a recovery code, spent by one conditional UPDATE. */
export async function acceptRecoveryCode(rt: Runtime, userId: string, input: string): Promise<CodeCheck & { spentAt?: number; hash?: string }> {
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

/**
 * Books a code the host checked itself, after the provider had accepted the password (another
 * provider's login, see host-login.ts): a refused code counts like a wrong one here (the one
 * reaching the cap starts the lock), an accepted one records its step and clears the count.
 */
export async function bookCheckedCode(rt: Runtime, userId: string, secret: string, code: string, accepted: boolean): Promise<void> {
	const { knex, config } = rt;
	const now = Date.now();
	if (accepted) {
		const step = matchTotpStep(code, secret, now, DEFAULT_WINDOW);
		if (step !== null) await recordAcceptedStep(knex, userId, step, now);
		await clearFailures(knex, userId, now);
		return;
	}
	if ((await lockedUntil(knex, userId, now)) !== null) return;
	const attempt = await countAttempt(knex, userId, config.otpLockMs, now);
	if (attempt >= config.otpMaxAttempts) await lockCodes(knex, userId, now + config.otpLockMs, now);
}

/** The lock's 429 for a refusal that came from the lock. */
export function lockedError(rt: Runtime, until: number): Error {
	return codesLocked(rt.config.otpMaxAttempts, until);
}

/** Throws the lock (429) or `wrong()` unless the check passed. */
export function assertAccepted(rt: Runtime, check: CodeCheck, wrong: () => Error): void {
	if (check.ok) return;
	throw check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : wrong();
}
