// The signed-in user's own two-factor: a secret to scan (password first, so a stolen access token
// alone can't start a takeover; the secret is kept server-side, sealed, for 10 minutes), enable
// with that secret only and a code from the app, recovery codes (shown once, stored as keyed
// hashes, one row each), disable with a code or a recovery code, and the status.
import { recordEvents } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { readSettings, type Door, type FlowOptions } from '../shared/host.js';
import type { Client } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { DEFAULT_PROVIDER } from '../shared/users.js';
import { findTwoFactorUser, type TwoFactorUserRow } from './users.js';
import { InvalidCredentialsError } from '../shared/util/errors.js';
import { acceptOtp, acceptRecoveryCode, assertAccepted } from './code-gate.js';
import { emailRequired, invalidOtp, invalidRecoveryCode, invalidSecret, notEnabled, passwordRequired, secretAlreadySet } from './errors.js';
import { assertMayTurnOffOwn } from './enforced.js';
import { matchPendingSecret, rememberPendingSecret } from './pending-secret.js';
import { countRecoveryCodes, issueRecoveryCodes } from './recovery-codes.js';
import { consumePendingSecret, deleteTwoFactorState, writeSecret } from './store.js';
import { generateTotpSecret, isBase32Secret, otpauthUrl } from './totp.js';

export type SecondFactor = { otp: string } | { recovery_code: string };

type EnabledUser = TwoFactorUserRow & { tfa_secret: string };

async function signedInUser(rt: Runtime, userId: string): Promise<TwoFactorUserRow> {
	const user = await findTwoFactorUser(rt.knex, { id: userId });
	if (!user) throw new InvalidCredentialsError();
	return user;
}

async function enabledUser(rt: Runtime, userId: string): Promise<EnabledUser> {
	const user = await signedInUser(rt, userId);
	if (!user.tfa_secret) throw notEnabled(userId);
	return user as EnabledUser;
}


export async function generateTwoFactorSecret(rt: Runtime, userId: string, password: string | undefined, options: FlowOptions): Promise<{ secret: string; otpauth_url: string }> {
	const user = await signedInUser(rt, userId);
	if (user.provider === DEFAULT_PROVIDER) {
		if (password === undefined) throw passwordRequired();
		await rt.passwords.check(userId, password, { schema: options.schema, accountability: options.accountability });
	}
	if (user.tfa_secret) throw secretAlreadySet();
	if (user.provider === DEFAULT_PROVIDER && !user.email) throw emailRequired();
	const secret = generateTotpSecret();
	// The only secret `enable` will take for this user (replacing any earlier one).
	await rememberPendingSecret(rt, userId, secret);
	const settings = await readSettings(rt.knex);
	const account = user.email || user.external_identifier || `user_${user.id}`;
	return { secret, otpauth_url: otpauthUrl(account, settings.project_name || 'Directus', secret) };
}

/**
 * Stores the secret once a code proves the app has it; returns a fresh set of recovery codes.
 * Only the secret `generate` handed to this user, while it lives, is taken: any other is refused
 * before a code is checked or counted. The pending secret is consumed by one conditional DELETE
 * in the transaction that writes tfa_secret, so of two concurrent enables one wins.
 */
export async function enableTwoFactor(rt: Runtime, userId: string, input: { secret: string; otp: string }, opts: { recoveryCodes: boolean; via?: Door; client?: Client }): Promise<{ recovery_codes: string[] }> {
	const user = await signedInUser(rt, userId);
	if (user.tfa_secret) throw secretAlreadySet();
	if (!isBase32Secret(input.secret)) throw invalidSecret();
	const pending = await matchPendingSecret(rt, userId, input.secret);
	if (pending === null) throw invalidSecret();
	assertAccepted(rt, await acceptOtp(rt, userId, input.secret, input.otp), invalidOtp);
	const result = await runAsFlow({ via: 'two-factor', actor: userId, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			if (!(await consumePendingSecret(trx, userId, pending))) throw invalidSecret();
			if (!(await writeSecret(trx, userId, null, input.secret))) throw secretAlreadySet();
			const codes = opts.recoveryCodes ? await issueRecoveryCodes(rt, trx, userId) : [];
			await recordEvents(trx, [{ user: userId, event: 'tfa-enabled', actor: userId, via: 'two-factor', reason: codes.length > 0 ? 'with a set of recovery codes' : 'without recovery codes' }]);
			return { recovery_codes: codes };
		}),
	);
	rt.events.emit('tfa-enabled', { user: userId, actor: userId, via: opts.via ?? 'api', with_recovery_set: result.recovery_codes.length > 0, ...opts.client });
	if (result.recovery_codes.length > 0) rt.events.emit('recovery-codes-issued', { user: userId, actor: userId, via: opts.via ?? 'api', count: result.recovery_codes.length, first_set: true, ...opts.client });
	return result;
}

async function assertSecondFactor(rt: Runtime, user: EnabledUser, factor: SecondFactor): Promise<void> {
	if ('otp' in factor) assertAccepted(rt, await acceptOtp(rt, user.id, user.tfa_secret, factor.otp), invalidOtp);
	else assertAccepted(rt, await acceptRecoveryCode(rt, user.id, factor.recovery_code), invalidRecoveryCode);
}

/** `roles`: the caller's role tree (the caller is the user), for the enforcement check. */
export async function disableTwoFactor(rt: Runtime, userId: string, factor: SecondFactor, via: Door = 'api', roles?: readonly string[], client?: Client): Promise<void> {
	const user = await enabledUser(rt, userId);
	// Before any code is checked: a refused disable spends no code and counts no attempt.
	await assertMayTurnOffOwn(rt, userId, roles);
	await assertSecondFactor(rt, user, factor);
	await runAsFlow({ via: 'two-factor', actor: userId, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			await writeSecret(trx, userId, user.tfa_secret, null);
			await deleteTwoFactorState(trx, userId);
			const reason = 'otp' in factor ? 'confirmed with an authenticator code' : 'confirmed with a recovery code';
			await recordEvents(trx, [{ user: userId, event: 'tfa-disabled', actor: userId, via: 'two-factor', reason }]);
		}),
	);
	if ('recovery_code' in factor) rt.events.emit('recovery-code-used', { user: userId, actor: userId, via, ...client });
	rt.events.emit('tfa-disabled', { user: userId, actor: userId, via, proof: 'otp' in factor ? 'app' : 'recovery', ...client });
}

/** A fresh set of recovery codes; the old set stops working. Needs a valid code. */
export async function regenerateRecoveryCodes(rt: Runtime, userId: string, otp: string, client?: Client): Promise<{ recovery_codes: string[] }> {
	const user = await enabledUser(rt, userId);
	assertAccepted(rt, await acceptOtp(rt, userId, user.tfa_secret, otp), invalidOtp);
	const result = await rt.knex.transaction(async (trx) => {
		const recovery_codes = await issueRecoveryCodes(rt, trx, userId);
		await recordEvents(trx, [{ user: userId, event: 'recovery-codes-renewed', actor: userId, via: 'two-factor', reason: 'the earlier codes no longer work' }]);
		return { recovery_codes };
	});
	rt.events.emit('recovery-codes-issued', { user: userId, actor: userId, via: 'api', count: result.recovery_codes.length, first_set: false, ...client });
	return result;
}

export async function twoFactorStatus(rt: Runtime, userId: string): Promise<{ enabled: boolean; recovery_codes_remaining: number }> {
	const user = await signedInUser(rt, userId);
	const enabled = Boolean(user.tfa_secret);
	return { enabled, recovery_codes_remaining: enabled ? await countRecoveryCodes(rt.knex, userId) : 0 };
}
