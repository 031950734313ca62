// Changing one's own email address, confirmed by both addresses: a request (a fresh proof through
// the password gate or the code gate) mails the new address a confirmation link and the old one a
// notice with a link that takes the change back; the same answer whether the new address is free
// or taken, and nothing changes until the new address confirms. Confirming writes the address
// through the host (its checks, its hooks: reset links issued before die), ends every other
// session, tells the old address again; taking it back restores the address the link was mailed
// to, ends every session and mails the owner a reset link.
import type { Accountability } from '@directus/types';
import type { Knex } from 'knex';
import { recordEvents } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { linkWithToken, publicPath, schemaFor, type FlowOptions } from '../shared/host.js';
import { consumeToken, issueToken } from '../shared/link-tokens.js';
import type { MailInput } from '../shared/mail.js';
import { takeMailSlot } from '../shared/mail-throttle.js';
import { probeUsersWrite } from '../shared/may-write.js';
import { noticeDetails, type Client } from '../shared/notice-details.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { endUserSessions } from '../shared/sessions.js';
import { findUserByEmail, findUserById, type UserRow } from '../shared/users.js';
import { generateToken, hashToken } from '../shared/util/crypto.js';
import { InvalidCredentialsError, InvalidTokenError } from '../shared/util/errors.js';
import { retryDeadlocks } from '../shared/util/sql.js';
import { addressTaken, confirmUrlNotAllowed, noAddressYet, sameAddress } from './errors.js';
import { CONFIRM_TEMPLATE, maskEmail, NOTICE_TEMPLATE, type NoticeStage } from './mails.js';
import type { EmailChangeRequest } from './schemas.js';
import { CONFIRM_KIND, CONFIRM_TTL_MS, issuedAt, REVERT_KIND, REVERT_TTL_MS, revokeAfterRevert, type ConfirmData, type RevertData } from './store.js';

export const VIA = 'email-change';

type Addressed = UserRow & { email: string };

/** The request's caller and where it came from. */
export interface Caller extends FlowOptions {
	client: Client;
}

/**
 * Asks for a change of the caller's own address. After the proof (a wrong one is counted by the
 * gate and refused like a login), nothing depends on whether the new address is taken: the same
 * mails, the same answer. Past the per-address mail throttle (of the user, or of the new
 * address) nothing happens at all.
 */
export async function requestEmailChange(rt: Runtime, userId: string, input: EmailChangeRequest, caller: Caller): Promise<void> {
	if (input.confirm_url !== undefined && !isUrlAllowed(input.confirm_url, rt.config.emailChangeUrlAllowList)) throw confirmUrlNotAllowed(input.confirm_url);
	const user = await findUserById(rt.knex, userId);
	if (!user || user.status !== 'active') throw new InvalidCredentialsError();
	if (input.password !== undefined) await rt.passwords.check(userId, input.password, caller);
	else await rt.otps.check(userId, input.otp!);
	if (!user.email) throw noAddressYet();
	if (user.email.toLowerCase() === input.email.toLowerCase()) throw sameAddress();
	await assertMayWriteOwnEmail(rt, user as Addressed, caller);
	const from = user.email;
	const to = input.email;
	const now = Date.now();
	// Two requests of one user at once take the same throttle rows: a deadlock is tried again.
	const queued = await retryDeadlocks(() => rt.knex.transaction(async (trx) => {
		// Both addresses are throttled: the old one as the user's, the new one by a key of its own
		// (an address without an account, or someone else's).
		if (!(await takeMailSlot(trx, userId, rt.config.mailMaxPerHour, now))) return false;
		if (!(await takeMailSlot(trx, addressKey(to), rt.config.mailMaxPerHour, now))) return false;
		const confirm = generateToken();
		const confirmData: ConfirmData = { from, to };
		await issueToken(trx, { kind: CONFIRM_KIND, userId, secret: confirm, ttlMs: CONFIRM_TTL_MS, data: { ...confirmData } }); // revokes the earlier one
		const mail: MailInput = {
			kind: 'email-change-confirm',
			template: CONFIRM_TEMPLATE,
			to: { ...recipient(user as Addressed), email: to },
			url: linkWithToken(input.confirm_url ?? publicPath(rt, 'user-lifecycle', 'email-change', 'confirm'), confirm),
			expiresAt: now + CONFIRM_TTL_MS,
		};
		await rt.outbox.enqueue(trx, [mail, await noticeToOldAddress(rt, trx, user as Addressed, 'requested', to, caller.client)]);
		await recordEvents(trx, [{ user: userId, event: 'email-change-requested', actor: userId, via: VIA, reason: `to ${maskEmail(to)}` }]);
		return true;
	}));
	if (!queued) return;
	rt.outbox.kick();
	rt.events.emit('email-change-requested', { user: userId, actor: userId, via: caller.via ?? 'api', ...caller.client });
}

/**
 * Spends a confirmation link: 403 INVALID_TOKEN when forged, spent, revoked (a newer request, a
 * revert), or when the account is no longer active or no longer has the address the change
 * started from; 401 TOKEN_EXPIRED after 24 hours; 400 when the new address belongs to another
 * account by now (nothing changes, the link stays usable). `keep` is the session the confirmation
 * comes with, if it is the user's: it stays, every other session ends.
 */
export async function confirmEmailChange(rt: Runtime, token: string, keep: string | null, client: Client): Promise<void> {
	const schema = await rt.getSchema();
	const done = await runAsFlow({ via: VIA, actor: null }, () =>
		rt.knex.transaction(async (trx) => {
			const spent = await consumeToken(trx, CONFIRM_KIND, token);
			const { from, to } = spent.data as unknown as ConfirmData;
			const user = await findUserById(trx, spent.userId);
			if (!user?.email || user.status !== 'active' || user.email.toLowerCase() !== String(from).toLowerCase()) throw new InvalidTokenError();
			const holder = await findUserByEmail(trx, to);
			if (holder && holder.id !== user.id) throw addressTaken();
			// The host's write: its checks (a race for the address ends in its unique index), its
			// hooks and activity. It ends the user's sessions but `keep`, as for a user's own change.
			await new rt.services.UsersService({ knex: trx, schema, accountability: flowAccountability(client, keep) }).updateOne(user.id, { email: to });
			await endUserSessions(trx, user.id, { keep });
			await rt.outbox.enqueue(trx, [await noticeToOldAddress(rt, trx, user as Addressed, 'changed', to, client)]);
			await recordEvents(trx, [{ user: user.id, event: 'email-changed', actor: user.id, via: VIA, reason: `from ${from} to ${to}` }]);
			return user.id;
		}),
	);
	rt.outbox.kick();
	rt.events.emit('email-changed', { user: done, actor: done, via: VIA, ...client });
}

/**
 * Spends a revert link (mailed to the old address): the address it was mailed to comes back
 * (unless it still is the account's: a change not confirmed yet is cancelled), the pending
 * confirmation and every revert link issued after this one die, every session ends, and the
 * owner gets a reset link at that address. 403 INVALID_TOKEN / 401 TOKEN_EXPIRED as for any
 * link; 400 when another account took the old address meanwhile (nothing changes).
 */
export async function revertEmailChange(rt: Runtime, token: string, client: Client): Promise<void> {
	const schema = await rt.getSchema();
	const userId = await runAsFlow({ via: VIA, actor: null }, () =>
		rt.knex.transaction(async (trx) => {
			const spent = await consumeToken(trx, REVERT_KIND, token);
			const { email } = spent.data as unknown as RevertData;
			const user = await findUserById(trx, spent.userId);
			if (!user || typeof email !== 'string') throw new InvalidTokenError();
			await revokeAfterRevert(trx, user.id, await issuedAt(trx, spent.id));
			if (user.email?.toLowerCase() !== email.toLowerCase()) {
				const holder = await findUserByEmail(trx, email);
				if (holder && holder.id !== user.id) throw addressTaken();
				await new rt.services.UsersService({ knex: trx, schema, accountability: flowAccountability(client, null) }).updateOne(user.id, { email });
			}
			await endUserSessions(trx, user.id);
			await rt.resets.mailLink(trx, user.id);
			await recordEvents(trx, [{ user: user.id, event: 'email-change-reverted', actor: null, via: VIA, reason: `back to ${email}` }]);
			return user.id;
		}),
	);
	rt.outbox.kick();
	rt.events.emit('email-change-reverted', { user: userId, actor: null, via: VIA, ...client });
}

/**
 * The notice to the old address, with the new one half-masked and, but for an administrator's
 * change, a revert link of its own (every revert link stays live for its 7 days).
 */
export async function noticeToOldAddress(rt: Runtime, trx: Knex, user: Addressed, stage: NoticeStage, newAddress: string, client: Client): Promise<MailInput> {
	let url = '';
	if (stage !== 'changed-by-admin') {
		const revert = generateToken();
		const data: RevertData = { email: user.email };
		await issueToken(trx, { kind: REVERT_KIND, userId: user.id, secret: revert, ttlMs: REVERT_TTL_MS, data: { ...data }, keepEarlier: true });
		url = linkWithToken(publicPath(rt, 'user-lifecycle', 'email-change', 'revert'), revert);
	}
	return {
		kind: 'email-change-notice',
		template: NOTICE_TEMPLATE,
		to: recipient(user),
		url,
		expiresAt: url === '' ? null : Date.now() + REVERT_TTL_MS,
		extra: { stage, new_email: maskEmail(newAddress), ...noticeDetails(client) },
	};
}

const recipient = (user: Addressed) => ({ id: user.id, email: user.email, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language });

/** The mail throttle's key for an address (its column holds 36 characters): a hash, never the address. */
const addressKey = (address: string) => `@${hashToken(address.toLowerCase()).slice(0, 35)}`;

/**
 * The extension's own write of the address, as the system (no permission of anyone's decides it:
 * the link did), with the request's IP in the host's activity record and, when the request came
 * with one of the user's sessions, that session kept by the host's session clean-up.
 */
function flowAccountability(client: Client, keep: string | null): Accountability {
	return { user: null, role: null, roles: [], admin: true, app: false, ip: client.ip, userAgent: client.user_agent ?? undefined, ...(keep ? { session: keep } : {}) } as Accountability;
}

/**
 * Whether the project lets this user write their own `email` at all: the host decides, by the
 * same write made as the caller and rolled back (the current address, so that only the
 * permission is tested, not whether some address is free).
 */
async function assertMayWriteOwnEmail(rt: Runtime, user: Addressed, caller: Caller): Promise<void> {
	const accountability = caller.accountability;
	if (!accountability || accountability.admin) return;
	const schema = await schemaFor(rt, caller);
	await probeUsersWrite(rt, rt.knex, schema, accountability, (users) => users.updateOne(user.id, { email: user.email }, { emitEvents: false }));
}
