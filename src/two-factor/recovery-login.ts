// Login with a recovery code (the phone is lost): the login itself is the host's
// AuthenticationService.login, so the answer, the session, the activity record, the host's checks
// (status, licence) and the one password verification are exactly those of `POST /auth/login`,
// and so is the timed login lock: a wrong password here is the host's refusal, reported on its
// `auth.login` action and counted there like any other (SPEC amendment "Locks confirm nothing":
// its password failures count like the host login's; this replaces the route's own counter).
import { recordEvents } from '../shared/audit.js';
import { ScopedStorage } from '../shared/util/scoped.js';
import { schemaFor, stallUntil, type FlowOptions } from '../shared/host.js';
import { clientOfAccountability } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { signInBy } from '../shared/sign-in-method.js';
import { DEFAULT_PROVIDER } from '../shared/users.js';
import { findTwoFactorUser } from './users.js';
import { InvalidCredentialsError, InvalidOtpError } from '../shared/util/errors.js';
import { acceptRecoveryCode, lockedError } from './code-gate.js';
import { restoreRecoveryCode } from './recovery-codes.js';
import { lockedUntil } from './store.js';
import { msLeftInStep, totpAt } from './totp.js';

/** The host login our recovery-code login makes, as the host's hooks see it (by async context). */
interface RecoveryScope {
	userId: string;
	code: string;
	hasTfa: boolean;
	spent: { hash: string; at: number } | null;
	refusal: Error | null;
}

// That login carries a code made server-side from the stored secret, which is not the user's
// to replay: the auth.login guard leaves it alone, and `auth.jwt` spends the recovery code.
const recoveryLogins = new ScopedStorage<RecoveryScope>();

export function isRecoveryLogin(userId: string): boolean {
	return recoveryLogins.getStore()?.userId === userId;
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
 * password was right. Then the host's login, with a current TOTP code made from the stored secret:
 * the login lock (its `auth.login` filter) and the password (the host's one verification) come
 * first, and only once both passed does `auth.jwt` (before any session exists) spend the recovery
 * code through the code gate; a wrong code refuses the login there. A wrong password spends no
 * code and never touches the code lock. If the host's login fails after the code was spent, the
 * code is given back.
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

	const secret = user.tfa_secret;
	// Don't mint a code in the last moments of its step: the host checks it a little later.
	if (secret && msLeftInStep(Date.now()) < 2000) await new Promise((resolve) => setTimeout(resolve, msLeftInStep(Date.now()) + 50));
	const scope: RecoveryScope = { userId: user.id, code: input.recovery_code, hasTfa: Boolean(secret), spent: null, refusal: null };
	const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: options.accountability });
	try {
		const result = await recoveryLogins.run(scope, () =>
			signInBy('recovery-code', () =>
				auth.login(DEFAULT_PROVIDER, { email: input.email, password: input.password }, { otp: secret ? totpAt(secret, Date.now()) : undefined, session: input.mode === 'session' }),
			),
		);
		// In the trail once the sign-in stands (a code given back after a failed login was never used).
		await recordEvents(rt.knex, [{ user: user.id, event: 'recovery-code-used', actor: user.id, via: 'login', reason: 'signed in with a recovery code' }]);
		rt.events.emit('recovery-code-used', { user: user.id, actor: user.id, via: 'login', ...clientOfAccountability(options.accountability) });
		return result;
	} catch (error) {
		if (scope.spent) await restoreRecoveryCode(rt.knex, user.id, scope.spent.hash, scope.spent.at);
		if (scope.refusal && error === scope.refusal) return refuse(scope.refusal); // ours: the host's own refusals are stalled by the host
		throw error;
	}
}

/**
 * The `auth.jwt` filter of a login: when it is our recovery-code login's (the password and the
 * minted code passed), the recovery code goes through the code gate here, before the session is
 * made. A refusal is thrown (the host makes no session) and answered by the route.
 */
export async function spendRecoveryCodeOnLogin(rt: Runtime, userId: string): Promise<void> {
	const scope = recoveryLogins.getStore();
	if (!scope || scope.userId !== userId || scope.spent) return;
	if (!scope.hasTfa) throw (scope.refusal = new InvalidCredentialsError()); // no codes to spend
	const check = await acceptRecoveryCode(rt, userId, scope.code);
	// The password was right (the host checked it first): a wrong, spent or replaced code gets the
	// answer a wrong authenticator code gets there, "wrong one-time password".
	if (!check.ok) throw (scope.refusal = check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : new InvalidOtpError());
	scope.spent = { hash: check.hash!, at: check.spentAt! };
}
