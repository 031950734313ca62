// Password reset: a link only an active user of the host's own provider gets, at most
// USER_LIFECYCLE_RESET_MAX_PER_HOUR mails a hour (with verification mails), each link killing the ones before it, single use,
// short-lived; the same answer and stall whatever the email. Spending it sets the password
// through the host (hashed once, by the host), ends every session and is audited, in one
// transaction.
import type { Knex } from 'knex';
import { recordEvents } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { linkWithToken, publicPath, schemaFor, stallUntil, type FlowOptions } from '../shared/host.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import { clientOfAccountability } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { endUserSessions } from '../shared/sessions.js';
import { consumeToken, issueToken } from '../shared/link-tokens.js';
import { DEFAULT_PROVIDER, findUserByEmail, findUserById, type UserRow } from '../shared/users.js';
import { generateToken } from '../shared/util/crypto.js';
import { InvalidTokenError } from '../shared/util/errors.js';
import { resetUrlNotAllowed } from './errors.js';
import type { MailInput } from '../shared/mail.js';
import { takeMailSlot } from '../shared/mail-throttle.js';
import type { PasswordResets } from '../shared/passwords.js';
import { currentLinkState, isLinkStateCurrent } from '../shared/link-state.js';
import { RESET_TOKEN_KIND } from './link-state.js';
import { readResetToken, signResetToken } from './token.js';

const VIA = 'password-reset';

export interface ResetRequest {
	email: string;
	reset_url?: string;
}

/**
 * Asks for a reset link for `input.email`. Every outcome — nothing sent, a mail queued, a refused
 * `reset_url` — comes USER_LIFECYCLE_RESET_STALL_TIME after `startedAt` (the request's start).
 */
export async function requestPasswordReset(rt: Runtime, input: ResetRequest, startedAt = performance.now()): Promise<void> {
	try {
		await request(rt, input);
	} finally {
		await stallUntil(startedAt, rt.config.resetStallMs);
	}
}

async function request(rt: Runtime, input: ResetRequest): Promise<void> {
	const { knex, config } = rt;
	if (input.reset_url !== undefined && !isUrlAllowed(input.reset_url, config.resetUrlAllowList)) throw resetUrlNotAllowed(input.reset_url);
	const user = await findUserByEmail(knex, input.email);
	if (!user || !mayReset(user)) return;
	const queued = await knex.transaction(async (trx) => {
		// Past the throttle nothing happens: no mail, and the links already sent keep working
		// (otherwise anyone could keep killing the owner's link by asking again).
		if (!(await takeMailSlot(trx, user.id, config.mailMaxPerHour, Date.now()))) return false;
		await queueResetLink(rt, trx, user, input.reset_url);
		return true;
	});
	if (queued) rt.outbox.kick();
}

/** Issues a link bound to the user's state (revoking the earlier ones) and queues its mail, in `trx`. */
async function queueResetLink(rt: Runtime, trx: Knex, user: UserRow & { email: string }, resetUrl: string | undefined): Promise<void> {
	const jti = generateToken();
	const ttlMs = rt.config.resetTokenTtlMs;
	const token = signResetToken(rt, user.email, jti, Math.max(1, Math.round(ttlMs / 1000)));
	const mail: MailInput = {
		kind: 'password-reset',
		template: 'password-reset',
		to: { id: user.id, email: user.email, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language },
		url: linkWithToken(resetUrl ?? publicPath(rt, 'admin', 'reset-password'), token),
		expiresAt: Date.now() + ttlMs,
	};
	const state = await currentLinkState(trx, user.id);
	await issueToken(trx, { kind: RESET_TOKEN_KIND, userId: user.id, secret: jti, ttlMs, data: { ...state } }); // revokes the earlier links
	await rt.outbox.enqueue(trx, [mail]);
}

/** `rt.resets`: a reset link for a flow that just took an account back (see the port in shared/passwords.ts). */
export function createPasswordResets(rt: Runtime): PasswordResets {
	return {
		async mailLink(trx, userId) {
			const user = await findUserById(trx, userId);
			if (!mayReset(user)) return false;
			await queueResetLink(rt, trx, user, undefined);
			return true;
		},
	};
}

/**
 * A reset mail the outbox gave up on, sent again: a fresh link to that address, as a new request
 * for it would make (the throttle included; the link of the failed mail never worked). No stall:
 * the caller may read the outbox, the request's answer tells them nothing new.
 */
export async function retryResetMail(rt: Runtime, recipient: string): Promise<void> {
	await request(rt, { email: recipient });
}

/** Only an active user of the host's own provider can reset a password (the host's rule). */
function mayReset(user: UserRow | undefined): user is UserRow & { email: string } {
	return !!user?.email && user.status === 'active' && user.provider === DEFAULT_PROVIDER;
}

/**
 * Spends a reset token and sets the password: 403 INVALID_TOKEN for a forged, used or revoked
 * link (or a user no longer active, or whose status or email changed since it was issued), 401 TOKEN_EXPIRED past its expiry,
 * 400 PASSWORD_POLICY for a password the policy refuses, before the link is looked up (it stays usable). The password is written through
 * the host's UsersService (its validation, its one hash); every session of the user ends; all in
 * one transaction with the spent token and the audit record.
 */
export async function resetPassword(rt: Runtime, input: { token: string; password: string }, options: FlowOptions): Promise<string> {
	const { jti, email } = readResetToken(rt, input.token);
	// Before the link is looked up; the user's names are checked as the password is written, in the
	// transaction that spends the link (a refusal leaves it unspent).
	await rt.passwordPolicy.check(input.password, [{ email }]);
	const schema = await schemaFor(rt, options);
	const userId = await runAsFlow({ via: VIA, actor: null }, () =>
		rt.knex.transaction(async (trx: Knex) => {
			const spent = await consumeToken(trx, RESET_TOKEN_KIND, jti);
			const user = await findUserById(trx, spent.userId);
			if (!mayReset(user) || user.email.toLowerCase() !== email.toLowerCase()) throw new InvalidTokenError();
			// A link dies with the state it was issued for (link-state.ts): a status change since, and it is a spent link.
			if (!(await isLinkStateCurrent(trx, user.id, spent.data))) throw new InvalidTokenError();
			await new rt.services.UsersService({ knex: trx, schema, accountability: null }).updateOne(user.id, { password: input.password });
			await endUserSessions(trx, user.id);
			await recordEvents(trx, [{ user: user.id, event: 'password-reset', actor: null, via: VIA }]);
			return user.id;
		}),
	);
	rt.events.emit('password-reset', { user: userId, actor: null, via: VIA, ...clientOfAccountability(options.accountability) });
	return userId;
}
