// Invitations: revocable, single-use invite links (a JWT the Data Studio can read, made single use
// by a hashed `jti` in the token store), re-invites that revoke the old link, bulk invites made by
// the host's UsersService as the caller inside one transaction, and mails queued in the same
// transaction (the outbox).
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { runAsFlow } from '../shared/flow-scope.js';
import { linkWithToken, publicPath, schemaFor, type FlowOptions } from '../shared/host.js';
import type { MailInput } from '../shared/mail.js';
import { probeUsersWrite } from '../shared/may-write.js';
import { isEmail } from '../shared/input.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { consumeToken, revokeTokens } from '../shared/link-tokens.js';
import { issueTokens, liveTokens } from './link-tokens.js';
import { findUserByEmail, findUserById, readableUser, USER_FIELDS, USERS_TABLE, type UserRow } from '../shared/users.js';
import { inBatches } from '../shared/util/batch.js';
import { generateToken } from '../shared/util/crypto.js';
import { InvalidTokenError, isDirectusError } from '../shared/util/errors.js';
import { inviteUrlNotAllowed, noPendingInvitation, unknownRole } from './errors.js';
import { readInviteToken, signInvite } from './token.js';

export type InviteOutcome =
	| { email: string; user: string | null; outcome: 'invited' | 'reinvited' }
	| { email: string; user: string | null; outcome: 'skipped'; reason?: string }
	| { email: string; user: null; outcome: 'invalid'; reason: string };

export interface InviteInput {
	emails: string[];
	role: string;
	inviteUrl?: string;
	/** Overrides USER_INVITE_TOKEN_TTL for these invitations. */
	ttlMs?: number;
	/**
	 * A malformed address: `report` it as that address's outcome and invite the others (ours), or
	 * `refuse` the whole request as the host's own invite does (its route).
	 */
	malformed: 'report' | 'refuse';
}

const DUPLICATE = 'duplicate in this request';
const NOT_AN_EMAIL = 'not a valid email address';

/**
 * Invites many emails in one transaction. The host decides and records every write as the
 * caller's: new invitees are created through its UsersService (`createMany`, events on: its
 * create permission on each real row, every `users.create` filter of the project, activity and
 * action events), re-invited and revived users are updated through it (its update permission on
 * each row). Then one batch of tokens and one of mails. The answer shows ids and reasons only for
 * users the caller may read.
 */
export async function inviteUsers(rt: Runtime, input: InviteInput, options: FlowOptions): Promise<InviteOutcome[]> {
	const { knex, config } = rt;
	if (input.inviteUrl !== undefined && !isUrlAllowed(input.inviteUrl, config.inviteUrlAllowList)) {
		throw inviteUrlNotAllowed(input.inviteUrl);
	}
	const schema = await schemaFor(rt, options);
	const { accountability } = options;
	// Inviting needs the host's create permission on directus_users, whatever this batch turns out to hold.
	await assertMayCreateUsers(rt, knex, accountability, schema);
	// The host's own email rules (Joi), before anything is read or written.
	const malformed = malformedAddresses(rt, schema, input);
	const role = await knex('directus_roles').select('id').where({ id: input.role }).first();
	if (!role) throw unknownRole(input.role);
	const actor = accountability?.user ?? null;
	const ttlMs = input.ttlMs ?? config.inviteTokenTtlMs;

	const write = () => runAsFlow({ via: 'invitation', actor }, () =>
		knex.transaction(async (trx) => {
			const seen = new Set<string>();
			const wanted: { email: string; lower: string; index: number }[] = [];
			const results: InviteOutcome[] = new Array(input.emails.length);
			input.emails.forEach((email, index) => {
				const lower = email.toLowerCase();
				if (malformed.has(index)) results[index] = { email, user: null, outcome: 'invalid', reason: NOT_AN_EMAIL };
				else if (seen.has(lower)) results[index] = { email, user: null, outcome: 'skipped', reason: DUPLICATE };
				else wanted.push({ email, lower, index });
				seen.add(lower);
			});

			const existing = await findUsersByEmails(trx, wanted.map((w) => w.lower));

			const newUsers: { email: string; index: number }[] = [];
			// Still-invited users get a new link; drafts and archived users are invited again (the
			// table's `flow` cells for this flow). Both are a write of the real row, as the caller.
			const again: Invitee[] = [];
			for (const { email, index } of wanted) {
				const user = existing.get(email.toLowerCase());
				const known = user?.email ?? email;
				if (!user) {
					newUsers.push({ email, index });
					results[index] = { email, user: null, outcome: 'invited' };
				} else if (user.status === 'draft' || user.status === 'archived' || user.status === 'invited') {
					again.push({ id: user.id, email: known, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language ?? null });
					results[index] = { email: known, user: user.id, outcome: user.status === 'invited' ? 'reinvited' : 'invited' };
				} else {
					results[index] = { email: known, user: user.id, outcome: 'skipped', reason: `already ${user.status}` };
				}
			}

			const users = new rt.services.UsersService({ knex: trx, schema, accountability });
			// Existing rows first. The new ones in one createMany: the host emits their action events
			// (other extensions, Flows, the guard's audit) only once every row got in, and its
			// MAX_BATCH_MUTATION counts the whole batch. It emits them before our transaction commits
			// (as for any write on a caller's transaction): only token and mail rows come after it.
			if (again.length > 0) {
				await users.updateMany(again.map((u) => u.id), { status: 'invited', role: input.role });
			}
			const created: Invitee[] = [];
			if (newUsers.length > 0) {
				const ids = (await users.createMany(newUsers.map((u) => ({ email: u.email, role: input.role, status: 'invited' })))) as (string | number)[];
				newUsers.forEach((u, i) => {
					const id = String(ids[i]);
					created.push({ id, email: u.email });
					results[u.index] = { email: u.email, user: id, outcome: 'invited' };
				});
			}

			await queueInvitations(rt, trx, [...created, ...again], { url: input.inviteUrl, ttlMs, inviter: actor });
			return results;
		}),
	);
	let outcomes: InviteOutcome[] | undefined;
	for (let attempt = 1; outcomes === undefined; attempt++) {
		try {
			outcomes = await write();
		} catch (error) {
			// A concurrent request created one of these emails between our read and our insert: read again.
			if (attempt >= 3 || !isUniqueViolation(error)) throw error;
		}
	}
	rt.outbox.kick();
	const via = options.via ?? 'api';
	rt.events.emit(
		'invited',
		outcomes.flatMap((o) => (o.user && o.outcome !== 'skipped' ? [{ user: o.user, actor, via, inviter: actor, role: input.role, again: o.outcome === 'reinvited' }] : [])),
	);
	return hideUnreadable(rt, knex, accountability, schema, outcomes, input.emails);
}

/**
 * The indexes of the addresses that are no email by our rule or the host's (Joi, as its own
 * invite checks them). With `refuse`, the host's own refusal of the whole list instead.
 */
function malformedAddresses(rt: Runtime, schema: SchemaOverview, input: InviteInput): Set<number> {
	const users = new rt.services.UsersService({ knex: rt.knex, schema, accountability: null }) as unknown as { validateEmail(emails: string[]): void };
	if (input.malformed === 'refuse') {
		users.validateEmail(input.emails);
		return new Set();
	}
	const malformed = new Set<number>();
	input.emails.forEach((address, index) => {
		if (!isEmail(address)) return void malformed.add(index);
		try {
			users.validateEmail([address]);
		} catch (error) {
			if (!isDirectusError(error)) throw error;
			malformed.add(index);
		}
	});
	return malformed;
}

/**
 * Ids and reasons only for users the caller may read: one read of the whole batch through the
 * host's UsersService as the caller, once the batch is committed (none readable when the host
 * refuses the read outright).
 */
async function hideUnreadable(
	rt: Runtime,
	knex: Knex,
	accountability: Accountability | null,
	schema: SchemaOverview,
	results: InviteOutcome[],
	requested: string[],
): Promise<InviteOutcome[]> {
	if (!accountability || accountability.admin) return results;
	const ids = [...new Set(results.flatMap((r) => (r.user ? [r.user] : [])))];
	if (ids.length === 0) return results;
	let readable: Set<string>;
	try {
		const users = new rt.services.UsersService({ knex, schema, accountability });
		const rows = (await users.readByQuery({ filter: { id: { _in: ids } }, fields: ['id'], limit: -1 })) as { id: unknown }[];
		readable = new Set(rows.map((row) => String(row.id)));
	} catch (error) {
		if (!isDirectusError(error, 'FORBIDDEN')) throw error;
		readable = new Set();
	}
	// The email as it was asked for, not as it is stored: not even its case is told.
	return results.map((r, i) => (!r.user || readable.has(r.user) ? r : { email: requested[i]!, user: null, outcome: r.outcome }));
}

interface Invitee {
	id: string;
	email: string;
	first_name?: string | null;
	last_name?: string | null;
	language?: string | null;
}

/** Issues a token per invitee (revoking their earlier ones) and queues one mail each, naming who invited them. */
async function queueInvitations(rt: Runtime, trx: Knex, invitees: Invitee[], opts: { url?: string; ttlMs: number; inviter: string | null }): Promise<void> {
	if (invitees.length === 0) return;
	const inviter = opts.inviter ? await findUserById(trx, opts.inviter) : undefined;
	const extra = { inviter: displayName(inviter), inviter_email: inviter?.email ?? null };
	const links = invitees.map((invitee) => ({ invitee, jti: generateToken() }));
	// The link's lifetime goes with it: a resend gives the next link the same one.
	await issueTokens(
		trx,
		'invite',
		links.map(({ invitee, jti }) => ({ userId: invitee.id, secret: jti, ttlMs: opts.ttlMs, data: { [TTL_KEY]: opts.ttlMs } })),
	);
	const base = opts.url ?? publicPath(rt, 'admin', 'accept-invite');
	const expiresIn = Math.max(1, Math.round(opts.ttlMs / 1000));
	const expiresAt = Date.now() + expiresIn * 1000;
	const mails: MailInput[] = [];
	for (const { invitee, jti } of links) {
		const url = linkWithToken(base, signInvite(rt, invitee.email, jti, expiresIn));
		mails.push({ kind: 'invite', template: 'user-invitation', to: invitee, url, expiresAt, extra });
	}
	await rt.outbox.enqueue(trx, mails);
}

export interface AcceptInput {
	token: string;
	password: string;
	first_name?: string | null;
	last_name?: string | null;
}

/**
 * Spends an invite token: the user sets a password and becomes `active` (or the host's
 * `inactive-license` when the licence has no seat left, as the host's own acceptance does).
 */
export async function acceptInvite(rt: Runtime, input: AcceptInput, options: FlowOptions): Promise<string> {
	const { jti, email } = readInviteToken(rt, input.token);
	// Before the link is looked up; the names the account already has are checked as it is written.
	await rt.passwordPolicy.check(input.password, [{ email, first_name: input.first_name, last_name: input.last_name }]);
	const schema = await schemaFor(rt, options);
	const accepted = await rt.knex.transaction(async (trx): Promise<{ id: string; status: string }> => {
		const spent = await consumeToken(trx, 'invite', jti);
		const user = await findUserById(trx, spent.userId);
		if (!user || user.status !== 'invited') throw new InvalidTokenError();
		const change: Record<string, unknown> = { password: input.password, status: 'active' };
		if (input.first_name !== undefined) change['first_name'] = input.first_name;
		if (input.last_name !== undefined) change['last_name'] = input.last_name;
		const status = await runAsFlow({ via: 'invitation', actor: user.id }, async () => {
			const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
			try {
				await trx.transaction((sp) => new rt.services.UsersService({ knex: sp, schema, accountability: null }).updateOne(user.id, change));
				return 'active';
			} catch (error) {
				// No licence seat left: park the user as the host does, instead of failing the acceptance.
				if (!isDirectusError(error, 'LIMIT_EXCEEDED')) throw error;
				await users.updateOne(user.id, { ...change, status: 'inactive-license' });
				return 'inactive-license';
			}
		});
		return { id: user.id, status };
	});
	rt.events.emit('invite-accepted', { user: accepted.id, actor: accepted.id, via: options.via ?? 'api', status: accepted.status });
	return accepted.id;
}

/** A new link for a still-invited user; every earlier link stops working. */
export async function resendInvite(rt: Runtime, input: { user: string; inviteUrl?: string; ttlMs?: number }, options: FlowOptions): Promise<void> {
	const { knex, config } = rt;
	if (input.inviteUrl !== undefined && !isUrlAllowed(input.inviteUrl, config.inviteUrlAllowList)) {
		throw inviteUrlNotAllowed(input.inviteUrl);
	}
	const schema = await schemaFor(rt, options);
	const actor = options.accountability?.user ?? null;
	const role = await runAsFlow({ via: 'invitation', actor }, () =>
		knex.transaction(async (trx) => {
			const user = await readableUser(rt, trx, options.accountability, schema, input.user);
			if (user.status !== 'invited' || !user.email) throw noPendingInvitation(user.id);
			// The host decides whether the caller may re-invite this user: a write of the real row, as the caller.
			await new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability }).updateOne(user.id, { status: 'invited' });
			const invitee: Invitee = { id: user.id, email: user.email, first_name: user.first_name ?? null, last_name: user.last_name ?? null, language: user.language ?? null };
			const ttlMs = input.ttlMs ?? (await lifetimeOfLastLink(trx, user.id)) ?? config.inviteTokenTtlMs;
			await queueInvitations(rt, trx, [invitee], { url: input.inviteUrl, ttlMs, inviter: actor });
			return user.role;
		}),
	);
	rt.outbox.kick();
	rt.events.emit('invited', { user: input.user, actor, via: options.via ?? 'api', inviter: actor, role, again: true });
}

const TTL_KEY = 'ttl_ms';

/** The lifetime the user's newest unspent invite link was issued with (links issued before it was kept: none). */
async function lifetimeOfLastLink(knex: Knex, userId: string): Promise<number | undefined> {
	const ttl = (await liveTokens(knex, 'invite', [userId])).get(userId)?.data[TTL_KEY];
	return typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
}

/** An invitation mail the outbox gave up on, sent again: a resend to the user of that address (a fresh link). */
export async function retryInvitationMail(rt: Runtime, recipient: string, options: FlowOptions): Promise<void> {
	const user = await findUserByEmail(rt.knex, recipient);
	if (!user || user.status !== 'invited') throw noPendingInvitation(user?.id ?? recipient);
	await resendInvite(rt, { user: user.id }, options);
}

/** Withdraws a pending invitation: its links die and the user is `archived`. */
export async function revokeInvite(rt: Runtime, input: { user: string }, options: FlowOptions): Promise<void> {
	const schema = await schemaFor(rt, options);
	const actor = options.accountability?.user ?? null;
	await runAsFlow({ via: 'invitation', actor, reason: 'invitation revoked' }, () =>
		rt.knex.transaction(async (trx) => {
			const user = await readableUser(rt, trx, options.accountability, schema, input.user);
			if (user.status !== 'invited') throw noPendingInvitation(user.id);
			await revokeTokens(trx, 'invite', [user.id]);
			// The host decides whether the caller may archive this user.
			await new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability }).updateOne(user.id, { status: 'archived' });
		}),
	);
	rt.events.emit('invite-revoked', { user: input.user, actor, via: options.via ?? 'api' });
}

export interface PendingInvite {
	user: string;
	email: string | null;
	role: string | null;
	expires_at: string | null;
}

/**
 * Users still `invited`, with when their newest link expires (null: none left), for callers with
 * the host's create permission on directus_users; of those, the ones the caller may read.
 */
export async function listInvites(rt: Runtime, options: FlowOptions): Promise<PendingInvite[]> {
	const schema = await schemaFor(rt, options);
	await assertMayCreateUsers(rt, rt.knex, options.accountability, schema);
	const users = new rt.services.UsersService({ knex: rt.knex, schema, accountability: options.accountability });
	let rows: { id: string; email: string | null; role: string | null }[];
	try {
		rows = (await users.readByQuery({ filter: { status: { _eq: 'invited' } }, fields: ['id', 'email', 'role'], limit: -1, sort: ['email'] })) as typeof rows;
	} catch (error) {
		// May invite, may read no user at all: no invitation to show.
		if (!isDirectusError(error, 'FORBIDDEN')) throw error;
		rows = [];
	}
	const tokens = await liveTokens(rt.knex, 'invite', rows.map((r) => r.id));
	return rows.map((row) => {
		const expiresAt = tokens.get(row.id)?.expiresAt;
		return { user: row.id, email: row.email ?? null, role: row.role ?? null, expires_at: expiresAt ? new Date(expiresAt).toISOString() : null };
	});
}

/**
 * The host's answer to "may this caller create users at all?": its UsersService runs its own
 * create checks (collection access, the caller's policies) on an empty payload and is stopped
 * right before the insert. A refusal is the host's own 403 FORBIDDEN; admins and the host itself
 * pass without asking. Each real row is then checked by the host when it is created.
 */
async function assertMayCreateUsers(rt: Runtime, knex: Knex, accountability: Accountability | null, schema: SchemaOverview): Promise<void> {
	if (!accountability || accountability.admin) return;
	await probeUsersWrite(rt, knex, schema, accountability, (users, stop) => users.createOne({}, { emitEvents: false, ...stop } as never)).catch((error) => {
		// Anything else (the host's validation of the empty payload) came after its permission check.
		if (isDirectusError(error, 'FORBIDDEN')) throw error;
	});
}

function isUniqueViolation(error: unknown): boolean {
	if (isDirectusError(error, 'RECORD_NOT_UNIQUE')) return true;
	const e = error as { code?: unknown; message?: unknown } | null;
	return e?.code === '23505' || e?.code === 'ER_DUP_ENTRY' || (e?.code === 'SQLITE_CONSTRAINT' && String(e.message).includes('UNIQUE'));
}

/** Users by lower-cased email, one query per 500 (bulk invitations). */
export async function findUsersByEmails(knex: Knex, lowerEmails: string[]): Promise<Map<string, UserRow>> {
	const found = new Map<string, UserRow>();
	await inBatches(lowerEmails, 500, async (batch) => {
		const rows: UserRow[] = await knex(USERS_TABLE).select(USER_FIELDS).whereIn(knex.raw('LOWER(??)', ['email']) as never, batch);
		for (const row of rows) found.set(String(row.email).toLowerCase(), row);
	});
	return found;
}

/** How an inviter is named in a mail: their full name, else their email; null for the system. */
export function displayName(user: { first_name?: string | null; last_name?: string | null; email?: string | null } | undefined): string | null {
	if (!user) return null;
	const name = [user.first_name, user.last_name].filter((part) => typeof part === 'string' && part.trim() !== '').join(' ');
	return name || user.email || null;
}
