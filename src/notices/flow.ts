// Security notices: a mail to the user's address (through the outbox, in their language) when
// something happens to the account — each with when, from where, and a "this wasn't me" link that
// ends every session and mails a reset link. Sign-ins are recorded (the Security page lists the
// last 30), and one from a device not seen for 90 days is a notice.
import { recordEvents } from '../shared/audit.js';
import { publicPath, linkWithToken } from '../shared/host.js';
import { consumeToken, issueToken } from '../shared/link-tokens.js';
import { takeMailSlot } from '../shared/mail-throttle.js';
import { describeBrowser, noticeDetails, type Client } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { endUserSessions } from '../shared/sessions.js';
import type { SignInMethod } from '../shared/sign-in-method.js';
import { findUserById } from '../shared/users.js';
import { generateToken, hashToken } from '../shared/util/crypto.js';
import { InvalidTokenError } from '../shared/util/errors.js';
import { retryDeadlocks } from '../shared/util/sql.js';
import { deviceKey } from './devices.js';
import { noticeTemplate, type NoticeBy } from './mails.js';
import type { NoticeKind } from './settings.js';
import { signInLog } from './sign-in-log.js';
import { latestSignIns } from './store.js';

export const NOT_ME_KIND = 'not-me';
const NOT_ME_TTL_MS = 7 * 24 * 3600_000;
/** Sign-ins the Security page shows. */
export const SIGN_INS_SHOWN = 30;

export interface Happening {
	kind: NoticeKind;
	user: string;
	client: Client;
	at?: number;
	by?: NoticeBy;
	method?: SignInMethod;
}

/**
 * Mails the notice of `happening` to the user, when that kind is on, the user is active and has
 * an address, and the user's notices are within the per-address throttle (a budget of their own,
 * so a flood of notices never eats the reset mails the owner may need next). Never throws.
 */
export async function sendNotice(rt: Runtime, happening: Happening): Promise<void> {
	if (!rt.config.notices.has(happening.kind)) return;
	try {
		const user = await findUserById(rt.knex, happening.user);
		if (!user?.email || user.status !== 'active') return;
		const at = happening.at ?? Date.now();
		// Two notices of one user at once take the same throttle rows: a deadlock is tried again.
		const queued = await retryDeadlocks(() => rt.knex.transaction(async (trx) => {
			if (!(await takeMailSlot(trx, noticeBudget(user.id), rt.config.mailMaxPerHour, at))) return false;
			const secret = generateToken();
			await issueToken(trx, { kind: NOT_ME_KIND, userId: user.id, secret, ttlMs: NOT_ME_TTL_MS, data: { notice: happening.kind }, keepEarlier: true });
			await rt.outbox.enqueue(trx, [
				{
					kind: `notice-${happening.kind}`,
					template: noticeTemplate(happening.kind),
					to: { id: user.id, email: user.email!, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language },
					url: linkWithToken(publicPath(rt, 'user-lifecycle', 'notices', 'not-me'), secret),
					expiresAt: at + NOT_ME_TTL_MS,
					extra: { notice: happening.kind, by: happening.by ?? 'you', method: happening.method ?? '', ...noticeDetails(happening.client, at) },
				},
			]);
			return true;
		}));
		if (queued) rt.outbox.kick();
	} catch (error) {
		rt.logger.error(error, `[user-lifecycle] could not send a ${happening.kind} notice`);
	}
}

/** The mail throttle's key for a user's notices (its column holds 36 characters). */
const noticeBudget = (userId: string) => `n${hashToken(`notices:${userId}`).slice(0, 35)}`;

/** Records a sign-in; a device new for the user (but not the very first on record) gets a notice. Never throws. */
export async function signedIn(rt: Runtime, userId: string, method: SignInMethod, client: Client, at = Date.now()): Promise<void> {
	try {
		const log = signInLog(rt);
		const seen = await log.device(userId, deviceKey(client.user_agent, client.ip), at);
		log.record({ userId, at, ip: client.ip, userAgent: client.user_agent, method, newDevice: seen === 'new' });
		if (seen === 'new') await sendNotice(rt, { kind: 'new-device', user: userId, client, at, method });
	} catch (error) {
		rt.logger.error(error, '[user-lifecycle] could not record a sign-in');
	}
}

/**
 * "This wasn't me": spends the notice's link, ends every session of the user and mails a reset
 * link (to an active user of the host's own provider), audited as `not-me`. 403 INVALID_TOKEN /
 * 401 TOKEN_EXPIRED as for any link.
 */
export async function notMe(rt: Runtime, token: string, client: Client): Promise<void> {
	const userId = await rt.knex.transaction(async (trx) => {
		const spent = await consumeToken(trx, NOT_ME_KIND, token);
		const user = await findUserById(trx, spent.userId);
		if (!user) throw new InvalidTokenError();
		const ended = await endUserSessions(trx, user.id);
		await rt.resets.mailLink(trx, user.id);
		const notice = typeof spent.data['notice'] === 'string' ? spent.data['notice'] : 'notice';
		await recordEvents(trx, [{ user: user.id, event: 'not-me', actor: null, via: 'notices', reason: `after the ${notice} notice; ${ended} session${ended === 1 ? '' : 's'} ended` }]);
		return user.id;
	});
	rt.outbox.kick();
	rt.events.emit('not-me', { user: userId, actor: null, via: 'notices', ...client });
}

export interface SignInView {
	at: string;
	ip: string | null;
	browser: string;
	user_agent: string | null;
	method: SignInMethod;
	new_device: boolean;
}

/** The user's last 30 sign-ins, newest first. */
export async function listSignIns(rt: Runtime, userId: string): Promise<SignInView[]> {
	await signInLog(rt).flush();
	const rows = await latestSignIns(rt.knex, userId, SIGN_INS_SHOWN);
	return rows.map((row) => ({
		at: new Date(row.at).toISOString(),
		ip: row.ip,
		browser: describeBrowser(row.userAgent),
		user_agent: row.userAgent,
		method: row.method,
		new_device: row.newDevice,
	}));
}
