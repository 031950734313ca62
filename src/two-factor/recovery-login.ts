// Login with a recovery code (the phone is lost): the answer, the session, the activity record
// and the host's checks (status, licence, login attempts) are exactly those of `POST /auth/login`,
// because the login itself is the host's AuthenticationService.login.
import { AsyncLocalStorage } from 'node:async_hooks';
import { schemaFor, stallUntil, type FlowOptions } from '../shared/host.js';
import type { Runtime } from '../shared/runtime.js';
import { DEFAULT_PROVIDER, findTwoFactorUser } from '../shared/users.js';
import { InvalidCredentialsError } from '../shared/util/errors.js';
import { acceptRecoveryCode, lockedError } from './code-gate.js';
import { countPasswordAttempt, lockedUntil, restoreRecoveryCode, takeBackPasswordAttempt } from './store.js';
import { msLeftInStep, totpAt } from './totp.js';

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
 * The code lock first: while the user's codes are locked every attempt gets the lock's answer
 * (429, same body, same stall) and no password is checked, so the lock tells nobody whether a
 * password was right (SPEC: "Locks confirm nothing"). Then the password (a wrong one spends no
 * code and doesn't touch the code lock: someone without the password must not be able to lock
 * the owner's codes), then the recovery code (one conditional UPDATE), then the host's own login.
 * The host wants a current TOTP code for a TFA user: we make one from the stored secret, inside a
 * scope the auth.login hook recognises. If the host's login fails after the code was spent, the
 * code is given back.
 *
 * Wrong passwords here are counted per user in a table of their own: after
 * USER_LIFECYCLE_OTP_MAX_ATTEMPTS within USER_LIFECYCLE_OTP_LOCK_DURATION this route refuses that
 * user, with exactly a wrong password's answer and without checking the password, until the window
 * passes. Each attempt is counted before its password is checked (a burst can't all slip past the
 * cap) and a right password takes its attempt back. This is deliberately small: a timed login lock
 * shared with the host's own login comes in a later issue.
 */
export async function loginWithRecoveryCode(rt: Runtime, input: RecoveryLoginInput, options: FlowOptions) {
	const start = performance.now();
	const refuse = async (error: Error = new InvalidCredentialsError()): Promise<never> => {
		await stallUntil(start, rt.config.loginStallMs);
		throw error;
	};
	const user = await findTwoFactorUser(rt.knex, { email: input.email });
	if (!user || user.provider !== DEFAULT_PROVIDER || user.status !== 'active') return refuse();
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked !== null) return refuse(lockedError(rt, locked));
	if ((await countPasswordAttempt(rt.knex, user.id, rt.config.otpLockMs)) > rt.config.otpMaxAttempts) return refuse();
	const schema = await schemaFor(rt, options);
	const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema, accountability: options.accountability });
	try {
		await auth.verifyPassword(user.id, input.password);
	} catch {
		return refuse();
	}
	await takeBackPasswordAttempt(rt.knex, user.id);
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
