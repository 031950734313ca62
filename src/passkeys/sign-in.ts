// Signing in with a passkey (public): options with a server-side challenge (single use, 5 minutes,
// shared by every instance), then the authenticator's assertion, answered as the host's login
// answers. With an email, the options list that user's passkeys, or made-up ones that look the
// same when the address has none to show: the options tell nothing about the account.
// Every refusal is the host's 401 INVALID_CREDENTIALS after a login's stall: an unknown credential,
// a wrong origin or RP id, a spent or expired challenge, a bad signature, a counter that went back
// (recorded: a cloned authenticator), a user who is not active. A login lock guards the password,
// not passkeys. A passkey that verified its user (PIN, biometrics) is two factors in one; without
// that, a user with two-factor sends `otp` too.
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Response } from 'express';
import { recordEvents } from '../shared/audit.js';
import { stallUntil } from '../shared/host.js';
import { openHostSession, type LoginAnswer, type LoginMode } from '../shared/host-session.js';
import { clientOf, type HostRequest } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import { findUserByEmail, USERS_TABLE } from '../shared/users.js';
import { InvalidOtpError } from '../shared/util/errors.js';
import { signInRefused } from './errors.js';
import { auditName } from './manage.js';
import { advanceCounter, consumeChallenge, passkeyByCredential, passkeysOf, rememberPasskeySession, storeChallenge, type PasskeyRow } from './store.js';
import { challengeOf, CHALLENGE_TTL_MS, checkAssertion, counterRegressed, decoyCredentials, relyingParty, signInOptions, userHandleOf, type Assertion, type RelyingParty } from './webauthn.js';

/** The `provider` the host's `auth.jwt` filter sees for a passkey sign-in. */
export const PASSKEY_METHOD = 'user-lifecycle-passkey';
/** No user has this id: the query an address without passkeys makes, so both take the same work. */
const NO_ONE = '00000000-0000-0000-0000-000000000000';

export async function passkeySignInOptions(rt: Runtime, email: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
	const rp = relyingParty(rt);
	let allow: { id: string; transports: string[] }[] | null = null;
	if (email !== undefined) {
		const user = await findUserByEmail(rt.knex, email);
		const own = await passkeysOf(rt.knex, user?.status === 'active' ? user.id : NO_ONE);
		allow = own.length > 0 ? own.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })) : decoyCredentials(rt.key('passkey-decoys'), email);
	}
	const options = await signInOptions(rp, allow);
	await storeChallenge(rt.knex, options.challenge, 'sign-in', null, Date.now() + CHALLENGE_TTL_MS);
	return options;
}

export interface SignInInput {
	response: AuthenticationResponseJSON;
	mode: LoginMode;
	otp?: string;
}

export async function signInWithPasskey(rt: Runtime, req: HostRequest, res: Response, input: SignInInput): Promise<LoginAnswer['data']> {
	const rp = relyingParty(rt);
	const start = performance.now();
	try {
		const { passkey, assertion } = await provePasskey(rt, rp, input);
		const signedInAt = Date.now();
		// Everything a sign-in writes, in one transaction (one commit): the counter moved on (its
		// conditional UPDATE decides between two copies of one authenticator), the host's session,
		// the mark that a passkey opened it, the audit record.
		const answer = await rt.knex
			.transaction(async (trx) => {
				if (!(await advanceCounter(trx, passkey.id, assertion.counter, assertion.backedUp, signedInAt))) throw COUNTER_TAKEN;
				const opened = await openHostSession({ ...rt, knex: trx }, req, res, {
					userId: passkey.user,
					mode: input.mode,
					method: PASSKEY_METHOD,
					opened: (sessionToken) => rememberPasskeySession(trx, sessionToken, passkey.user, signedInAt),
				});
				const how = assertion.userVerified ? 'the authenticator verified the user' : 'without user verification';
				await recordEvents(trx, [{ user: passkey.user, event: 'passkey-sign-in', actor: passkey.user, via: 'api', reason: `signed in with ${auditName(passkey)}, ${how}` }]);
				return opened;
			})
			.catch(async (error) => {
				if (error !== COUNTER_TAKEN) throw error;
				await recordCounterRegression(rt, passkey, assertion.counter);
				throw signInRefused();
			});
		rt.events.emit('passkey-sign-in', { user: passkey.user, actor: passkey.user, via: 'api', passkey: passkey.id, mode: input.mode, user_verified: assertion.userVerified, ...clientOf(req) });
		return answer.data;
	} catch (error) {
		await stallUntil(start, rt.config.loginStallMs);
		throw error;
	}
}

/** Another sign-in moved the counter past this one's first: a copy of the authenticator. */
const COUNTER_TAKEN = Symbol('counter taken');

/** The passkey that signed and what its assertion says; refused (401) otherwise. Writes only the spent challenge (and an OTP's attempt). */
async function provePasskey(rt: Runtime, rp: RelyingParty, input: SignInInput): Promise<{ passkey: PasskeyRow; assertion: Assertion }> {
	const { knex } = rt;
	const challenge = challengeOf(input.response);
	// Spent first, in a statement of its own: whatever follows, this challenge answers no second request.
	if (challenge === null || !(await consumeChallenge(knex, challenge, 'sign-in', null, Date.now()))) throw signInRefused();
	const passkey = await passkeyByCredential(knex, input.response.id);
	if (!passkey) throw signInRefused();
	const handle = userHandleOf(input.response);
	if (handle !== null && handle !== passkey.user) throw signInRefused();
	const assertion = await checkAssertion(rp, input.response, challenge, passkey);
	if (!assertion) throw signInRefused();
	if (counterRegressed(passkey.counter, assertion.counter)) {
		await recordCounterRegression(rt, passkey, assertion.counter);
		throw signInRefused();
	}
	const user = await knex(USERS_TABLE).select('id', 'status', 'tfa_secret').where({ id: passkey.user }).first();
	if (!user || user.status !== 'active') throw signInRefused();
	if (user.tfa_secret && !assertion.userVerified) {
		if (input.otp === undefined) throw new InvalidOtpError();
		await rt.otps.check(passkey.user, input.otp);
	}
	return { passkey, assertion };
}

/** A signature counter that went back: the key signed, yet the count is behind (a copy of the authenticator). */
async function recordCounterRegression(rt: Runtime, passkey: PasskeyRow, received: number): Promise<void> {
	const stored = (await passkeyByCredential(rt.knex, passkey.credentialId))?.counter ?? passkey.counter;
	await recordEvents(rt.knex, [
		{ user: passkey.user, event: 'passkey-counter-regressed', actor: null, via: 'api', reason: `${auditName(passkey)}: signature counter ${received}, already at ${stored}; the sign-in was refused` },
	]);
	rt.events.emit('passkey-counter-regressed', { user: passkey.user, actor: null, via: 'api', passkey: passkey.id, counter: received, expected_above: stored });
}
