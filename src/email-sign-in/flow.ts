// Email sign-in: a link and a 6-digit code for one pending request, mailed only to an active user
// of the host's own provider (within the per-address mail throttle), 10 minutes, single use, ended
// by the next request, by five wrong tries, and by the user leaving `active` or their email
// changing; the same answer and stall whatever the email. Spending it opens a host session as the
// host's login would, after the user's two-factor (never skipped); a login lock, which guards the
// password, does not stop it.
import type { Response } from 'express';
import { recordEvents } from '../shared/audit.js';
import { linkWithToken, publicPath, stallUntil } from '../shared/host.js';
import { openHostSession, type LoginAnswer } from '../shared/host-session.js';
import type { Door, HostRequest } from '../shared/http.js';
import { currentLinkState, isLinkStateCurrent } from '../shared/link-state.js';
import { takeMailSlot } from '../shared/mail-throttle.js';
import type { MailInput } from '../shared/mail.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { DEFAULT_PROVIDER, findUserByEmail, type UserRow } from '../shared/users.js';
import { newId } from '../shared/util/crypto.js';
import { InvalidCredentialsError, InvalidOtpError, InvalidTokenError, TokenExpiredError } from '../shared/util/errors.js';
import { signInUrlNotAllowed } from './errors.js';
import { SIGN_IN_MAIL_KIND, SIGN_IN_TEMPLATE } from './mail.js';
import type { SignInLinkRequest, SignInProof } from './schemas.js';
import { codeMatches, hashCode, hashLinkToken, newCode, newLinkToken } from './secrets.js';
import { endRequest, findByTokenHash, giveTryBack, MAX_TRIES, newestTryableRequest, openSignInRequest, spendRequest, takeTry, unspendRequest, type SignInRequest } from './store.js';
import { findSignInUser } from './users.js';

export const SIGN_IN_TTL_MS = 10 * 60_000;
/** The `auth.jwt` filter's `provider` for these sign-ins. */
export const SIGN_IN_METHOD = 'user-lifecycle-email';

/** The extension's sign-in page: where a link goes unless the request names an allow-listed `sign_in_url`. */
export function signInPage(rt: Runtime): string {
	return publicPath(rt, 'user-lifecycle', 'sign-in');
}

/** Only an active user of the host's own provider signs in by mail (the host's rule for its password login and reset). */
function maySignIn<T extends UserRow>(user: T | undefined): user is T & { email: string } {
	return !!user?.email && user.status === 'active' && user.provider === DEFAULT_PROVIDER;
}

/**
 * Asks for a sign-in mail for `input.email`: a mail for an active user of the default provider
 * within the mail budget, nothing otherwise. The route makes every outcome take the same time.
 */
export async function requestSignInMail(rt: Runtime, input: SignInLinkRequest): Promise<void> {
	const { knex, config } = rt;
	const page = signInPage(rt);
	if (input.sign_in_url !== undefined && !isUrlAllowed(input.sign_in_url, [...config.signInUrlAllowList, page])) throw signInUrlNotAllowed(input.sign_in_url);
	const user = await findUserByEmail(knex, input.email);
	if (!maySignIn(user)) return;
	const id = newId();
	const token = newLinkToken();
	const code = newCode();
	const issuedAt = Date.now();
	const expiresAt = issuedAt + SIGN_IN_TTL_MS;
	const mail: MailInput = {
		kind: SIGN_IN_MAIL_KIND,
		template: SIGN_IN_TEMPLATE,
		to: { id: user.id, email: user.email, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language },
		url: linkWithToken(input.sign_in_url ?? page, token),
		expiresAt,
		extra: { code },
	};
	const queued = await knex.transaction(async (trx) => {
		// Past the throttle nothing happens: no mail, and the request already mailed stays usable
		// (otherwise anyone could keep ending the owner's link by asking again).
		if (!(await takeMailSlot(trx, user.id, config.mailMaxPerHour, Date.now()))) return false;
		const { statusChanges } = await currentLinkState(trx, user.id);
		await openSignInRequest(trx, { id, userId: user.id, tokenHash: hashLinkToken(token), codeHash: hashCode(rt, id, code), email: user.email, statusChanges, expiresAt }, issuedAt);
		await rt.outbox.enqueue(trx, [mail]);
		return true;
	});
	if (queued) rt.outbox.kick();
}

/**
 * Signs in with a mailed link (`token`) or code (`email`, `code`) and answers as the host's
 * login. Refusals come after LOGIN_STALL_TIME: a link that is unknown, spent, ended or no longer
 * the user's state is 403 INVALID_TOKEN, an expired one 401 TOKEN_EXPIRED; a wrong code, an
 * unknown email or no pending request is 401 INVALID_CREDENTIALS (alike: the answer tells nothing
 * about the address); a user with two-factor and no or a wrong `otp` gets 401 INVALID_OTP (or the
 * code lock's 429) and the request stays usable while it has tries left.
 */
export async function signInByMail(rt: Runtime, proof: SignInProof, http: { req: HostRequest; res: Response; door: Door }): Promise<LoginAnswer> {
	const started = performance.now();
	try {
		return await signIn(rt, proof, http);
	} catch (error) {
		await stallUntil(started, rt.config.loginStallMs);
		throw error;
	}
}

async function signIn(rt: Runtime, proof: SignInProof, http: { req: HostRequest; res: Response; door: Door }): Promise<LoginAnswer> {
	const { knex } = rt;
	const byLink = 'token' in proof;
	const refused = () => (byLink ? new InvalidTokenError() : new InvalidCredentialsError());
	const { request, tries } = byLink ? { request: await linkRequest(rt, proof.token), tries: null } : await codeRequest(rt, proof.email, proof.code);

	const user = await findSignInUser(knex, request.userId);
	// A request dies with the state it was issued for (src/shared/link-state.ts): the status, and the address.
	if (!maySignIn(user) || user.email.toLowerCase() !== request.email.toLowerCase() || !(await isLinkStateCurrent(knex, user.id, { statusChanges: request.statusChanges }))) {
		await endRequest(knex, request.id);
		throw refused();
	}

	let giveBack = async (): Promise<void> => undefined;
	if (user.twoFactor) {
		if (proof.otp === undefined) {
			// Asking for the OTP is no guess: a right code gives its try back.
			if (tries !== null) await giveTryBack(knex, request.id);
			throw new InvalidOtpError();
		}
		// The try is taken before the OTP is checked (the code's try counts for both).
		const taken = tries ?? (await takeTry(knex, request.id));
		if (taken === null) throw refused();
		try {
			({ giveBack } = await rt.otps.checkSignIn(user.id, proof.otp));
		} catch (error) {
			if (taken >= MAX_TRIES) await endRequest(knex, request.id);
			throw error;
		}
	}

	const spentAt = Date.now();
	// One conditional UPDATE: of concurrent uses of one request exactly one gets this far.
	if (!(await spendRequest(knex, request.id, spentAt))) {
		await giveBack();
		throw refused();
	}
	let answer: LoginAnswer;
	try {
		answer = await openHostSession(rt, http.req, http.res, { userId: user.id, mode: proof.mode, method: SIGN_IN_METHOD });
	} catch (error) {
		// The host refused the session (its licence lock): the request and the recovery code stay usable.
		await unspendRequest(knex, request.id, spentAt);
		await giveBack();
		throw error;
	}
	const method = byLink ? 'link' : 'code';
	await recordEvents(knex, [{ user: user.id, event: 'email-sign-in', actor: null, via: http.door, reason: `mailed ${method}` }]);
	rt.events.emit('email-sign-in', { user: user.id, actor: null, via: http.door, method, mode: proof.mode });
	return answer;
}

/** The request a link names: 403 INVALID_TOKEN unless it is open, 401 TOKEN_EXPIRED past its 10 minutes. */
async function linkRequest(rt: Runtime, token: string): Promise<SignInRequest> {
	const request = await findByTokenHash(rt.knex, hashLinkToken(token));
	if (!request?.open) throw new InvalidTokenError();
	if (request.expiresAt <= Date.now()) throw new TokenExpiredError();
	return request;
}

/**
 * The address's pending request, when `code` is its code: a try is taken before the code is
 * compared, and the fifth wrong one ends the request. Every refusal is the same 401.
 */
async function codeRequest(rt: Runtime, email: string, code: string): Promise<{ request: SignInRequest; tries: number }> {
	const { knex } = rt;
	const user = await findUserByEmail(knex, email);
	const request = maySignIn(user) ? await newestTryableRequest(knex, user.id) : undefined;
	const tries = request ? await takeTry(knex, request.id) : null;
	if (!request || tries === null) throw new InvalidCredentialsError();
	if (!codeMatches(rt, request, code)) {
		if (tries >= MAX_TRIES) await endRequest(knex, request.id);
		throw new InvalidCredentialsError();
	}
	return { request, tries };
}
