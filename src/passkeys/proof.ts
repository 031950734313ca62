// The fresh proof of identity a passkey's registration or removal asks for: the password (through
// the one password gate: lock checked first, counted, stalled like a login), a two-factor code
// (through the one code gate: counted, accepted once), or a passkey sign-in of this very session
// within the last 5 minutes. A stolen access token alone adds no passkey.
//
// Which sessions a passkey opened: a hash of each session's token is kept when it opens. A
// session-mode session (the Data Studio's) changes its token on every refresh; the host's refresh
// names the new token in its `auth.jwt` filter and on the old row (`next_token`), so the mark moves
// on with it (`carryPasskeyMark`). A JSON- or cookie-mode refresh replaces the token in place, so a
// refreshed JSON session proves itself with a password or a code.
import type { Knex } from 'knex';
import type { HostRequest } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import { currentSessionToken, SESSIONS_TABLE } from '../shared/sessions.js';
import { hashToken } from '../shared/util/crypto.js';
import { oneProofOnly, proofRequired } from './errors.js';
import { passkeySessionsSince, rememberPasskeySession } from './store.js';

/** How long a passkey sign-in counts as a fresh proof. */
export const FRESH_MS = 5 * 60_000;

export interface Proof {
	password?: string;
	otp?: string;
}

export async function assertFreshProof(rt: Runtime, req: HostRequest & { cookies?: Record<string, unknown> }, userId: string, proof: Proof): Promise<void> {
	if (proof.password !== undefined && proof.otp !== undefined) throw oneProofOnly();
	if (proof.password !== undefined) return rt.passwords.check(userId, proof.password, { schema: req.schema, accountability: req.accountability ?? null });
	if (proof.otp !== undefined) return rt.otps.check(userId, proof.otp);
	const token = currentSessionToken(req, rt.config.loginCookies.refresh.name);
	if (token !== null) {
		const hash = hashToken(token);
		const fresh = await passkeySessionsSince(rt.knex, userId, Date.now() - FRESH_MS);
		if (fresh.some((mark) => mark.sessionHash === hash)) return;
	}
	throw proofRequired();
}

/**
 * A session-mode refresh of a session a passkey opened lately: its new token carries the mark
 * (with the time of the sign-in, not of the refresh). Called from the host's `auth.jwt` filter,
 * after the host wrote the new token on the old row.
 */
export async function carryPasskeyMark(knex: Knex, userId: string, newToken: string): Promise<void> {
	const fresh = await passkeySessionsSince(knex, userId, Date.now() - FRESH_MS);
	if (fresh.length === 0) return;
	const previous = await knex(SESSIONS_TABLE).select('token').where({ user: userId, next_token: newToken }).first();
	if (!previous) return;
	const mark = fresh.find((m) => m.sessionHash === hashToken(String(previous.token)));
	if (mark) await rememberPasskeySession(knex, newToken, userId, mark.signedInAt);
}
