// Invitations: revocable, single-use invite links (a JWT the Data Studio can read, made single use
// by a hashed `jti` in the token store), re-invites that revoke the old link, bulk invites written
// in batches inside one transaction, and mails queued in the same transaction (the outbox).
import type { Accountability } from '@directus/types';
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { recordEvents } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { linkWithToken, publicPath, readSettings, schemaFor, type FlowOptions } from '../shared/host.js';
import type { OutboxMail } from '../shared/outbox/store.js';
import { assertPasswordPolicy } from '../shared/policy/password.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { consumeToken, issueTokens, liveTokens, revokeTokens } from '../shared/tokens.js';
import { findUserById, findUsersByEmails, readableUser } from '../shared/users.js';
import { chunks } from '../shared/util/batch.js';
import { generateToken } from '../shared/util/crypto.js';
import { InvalidTokenError, isDirectusError } from '../shared/util/errors.js';
import { inviteUrlNotAllowed, noPendingInvitation, unknownRole } from './errors.js';
import { readInviteToken, signInvite } from './token.js';

export type InviteOutcome =
	| { email: string; user: string; outcome: 'invited' | 'reinvited' }
	| { email: string; user: string | null; outcome: 'skipped'; reason: string };

export interface InviteInput {
	emails: string[];
	role: string;
	inviteUrl?: string;
	/** Overrides USER_INVITE_TOKEN_TTL for these invitations. */
	ttlMs?: number;
}

const SUBJECT = "You've been invited";

/**
 * Invites many emails in one transaction: one query for the existing users, batched inserts for
 * the new ones, one batch of tokens and one of mails. The host decides whether the caller may
 * create users (a permission probe through its UsersService, rolled back) before anything is written.
 */
export async function inviteUsers(rt: Runtime, input: InviteInput, options: FlowOptions): Promise<InviteOutcome[]> {
	const { knex, config } = rt;
	if (input.inviteUrl !== undefined && !isUrlAllowed(input.inviteUrl, config.inviteUrlAllowList)) {
		throw inviteUrlNotAllowed(input.inviteUrl);
	}
	const schema = await schemaFor(rt, options);
	// The host's own email rules (Joi), for the whole list at once: rows inserted in batches below
	// skip the host's per-item validation, so nothing it would refuse gets in.
	(new rt.services.UsersService({ knex, schema, accountability: null }) as unknown as { validateEmail(emails: string[]): void }).validateEmail(input.emails);
	const role = await knex('directus_roles').select('id').where({ id: input.role }).first();
	if (!role) throw unknownRole(input.role);
	const actor = options.accountability?.user ?? null;
	const ttlMs = input.ttlMs ?? config.inviteTokenTtlMs;

	const write = () => runAsFlow({ via: 'invitation', actor }, () =>
		knex.transaction(async (trx) => {
			await assertMayWrite(rt, trx, options.accountability, schema, 'create', { email: `permission-check-${randomUUID()}@example.com`, role: input.role, status: 'invited' });

			const seen = new Set<string>();
			const wanted: { email: string; lower: string; index: number }[] = [];
			const results: InviteOutcome[] = new Array(input.emails.length);
			input.emails.forEach((email, index) => {
				const lower = email.toLowerCase();
				if (seen.has(lower)) results[index] = { email, user: null, outcome: 'skipped', reason: 'duplicate in this request' };
				else wanted.push({ email, lower, index });
				seen.add(lower);
			});

			const existing = await findUsersByEmails(trx, wanted.map((w) => w.lower));

			const newUsers: { id: string; email: string }[] = [];
			const reinvited: { id: string; email: string; role: string | null }[] = [];
			// Drafts and archived users may be invited (again): the table's `flow` cells for this flow.
			const revived: { id: string; email: string }[] = [];
			for (const { email, lower, index } of wanted) {
				const user = existing.get(lower);
				const known = user?.email ?? email;
				let outcome: InviteOutcome;
				if (!user) {
					const id = randomUUID();
					newUsers.push({ id, email });
					outcome = { email, user: id, outcome: 'invited' };
				} else if (user.status === 'draft' || user.status === 'archived') {
					revived.push({ id: user.id, email: known });
					outcome = { email: known, user: user.id, outcome: 'invited' };
				} else if (user.status === 'invited') {
					reinvited.push({ id: user.id, email: known, role: user.role });
					outcome = { email: known, user: user.id, outcome: 'reinvited' };
				} else {
					outcome = { email: known, user: user.id, outcome: 'skipped', reason: `already ${user.status}` };
				}
				results[index] = outcome;
			}

			for (const chunk of chunks(newUsers, 200)) {
				await trx('directus_users').insert(chunk.map((u) => ({ id: u.id, email: u.email, role: input.role, status: 'invited', provider: 'default' })));
			}
			// A re-invite may move the user to another role, as the host's invite does: the host decides that write.
			const moved = reinvited.filter((u) => u.role !== input.role).map((u) => u.id);
			if (moved.length > 0) {
				const users = new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability });
				await users.updateMany(moved, { role: input.role });
			}
			if (revived.length > 0) {
				const users = new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability });
				await users.updateMany(revived.map((u) => u.id), { status: 'invited', role: input.role });
			}
			await recordEvents(trx, newUsers.map((u) => ({ user: u.id, event: 'status', from: null, to: 'invited', actor, via: 'invitation' })));

			await queueInvitations(rt, trx, [...newUsers, ...revived, ...reinvited], { url: input.inviteUrl, ttlMs });
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
	return outcomes;
}

/** Issues a token per invitee (revoking their earlier ones) and queues one mail each. */
async function queueInvitations(rt: Runtime, trx: Knex, invitees: { id: string; email: string }[], opts: { url?: string; ttlMs: number }): Promise<void> {
	if (invitees.length === 0) return;
	const links = invitees.map((invitee) => ({ invitee, jti: generateToken() }));
	await issueTokens(
		trx,
		'invite',
		links.map(({ invitee, jti }) => ({ userId: invitee.id, secret: jti, ttlMs: opts.ttlMs })),
	);
	const base = opts.url ?? publicPath(rt, 'admin', 'accept-invite');
	const expiresIn = Math.max(1, Math.round(opts.ttlMs / 1000));
	const mails: OutboxMail[] = links.map(({ invitee, jti }) => ({
		kind: 'invite',
		to: invitee.email,
		subject: SUBJECT,
		template: {
			name: 'user-invitation',
			data: { url: linkWithToken(base, signInvite(rt, invitee.email, jti, expiresIn)), email: invitee.email },
		},
	}));
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
	const { jti } = readInviteToken(rt, input.token);
	const settings = await readSettings(rt.knex);
	assertPasswordPolicy(input.password, settings.auth_password_policy);
	const schema = await schemaFor(rt, options);
	return rt.knex.transaction(async (trx) => {
		const spent = await consumeToken(trx, 'invite', jti);
		const user = await findUserById(trx, spent.userId);
		if (!user || user.status !== 'invited') throw new InvalidTokenError();
		const change: Record<string, unknown> = { password: input.password, status: 'active' };
		if (input.first_name !== undefined) change['first_name'] = input.first_name;
		if (input.last_name !== undefined) change['last_name'] = input.last_name;
		await runAsFlow({ via: 'invitation', actor: user.id }, async () => {
			const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
			try {
				await trx.transaction((sp) => new rt.services.UsersService({ knex: sp, schema, accountability: null }).updateOne(user.id, change));
			} catch (error) {
				// No licence seat left: park the user as the host does, instead of failing the acceptance.
				if (!isDirectusError(error, 'LIMIT_EXCEEDED')) throw error;
				await users.updateOne(user.id, { ...change, status: 'inactive-license' });
			}
		});
		return user.id;
	});
}

/** A new link for a still-invited user; every earlier link stops working. */
export async function resendInvite(rt: Runtime, input: { user: string; inviteUrl?: string; ttlMs?: number }, options: FlowOptions): Promise<void> {
	const { knex, config } = rt;
	if (input.inviteUrl !== undefined && !isUrlAllowed(input.inviteUrl, config.inviteUrlAllowList)) {
		throw inviteUrlNotAllowed(input.inviteUrl);
	}
	const schema = await schemaFor(rt, options);
	await runAsFlow({ via: 'invitation', actor: options.accountability?.user ?? null }, () =>
		knex.transaction(async (trx) => {
			const user = await readableUser(rt, trx, options.accountability, schema, input.user);
			await assertMayWrite(rt, trx, options.accountability, schema, 'update', { status: 'invited' }, user.id);
			if (user.status !== 'invited' || !user.email) throw noPendingInvitation(user.id);
			await queueInvitations(rt, trx, [{ id: user.id, email: user.email }], { url: input.inviteUrl, ttlMs: input.ttlMs ?? config.inviteTokenTtlMs });
		}),
	);
	rt.outbox.kick();
}

/** Withdraws a pending invitation: its links die and the user is `archived`. */
export async function revokeInvite(rt: Runtime, input: { user: string }, options: FlowOptions): Promise<void> {
	const schema = await schemaFor(rt, options);
	await runAsFlow({ via: 'invitation', actor: options.accountability?.user ?? null, reason: 'invitation revoked' }, () =>
		rt.knex.transaction(async (trx) => {
			const user = await readableUser(rt, trx, options.accountability, schema, input.user);
			if (user.status !== 'invited') throw noPendingInvitation(user.id);
			await revokeTokens(trx, 'invite', [user.id]);
			// The host decides whether the caller may archive this user.
			await new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability }).updateOne(user.id, { status: 'archived' });
		}),
	);
}

export interface PendingInvite {
	user: string;
	email: string | null;
	role: string | null;
	expires_at: string | null;
}

/** Users still `invited` that the caller may read, with when their newest link expires (null: none left). */
export async function listInvites(rt: Runtime, options: FlowOptions): Promise<PendingInvite[]> {
	const schema = await schemaFor(rt, options);
	const users = new rt.services.UsersService({ knex: rt.knex, schema, accountability: options.accountability });
	const rows = (await users.readByQuery({ filter: { status: { _eq: 'invited' } }, fields: ['id', 'email', 'role'], limit: -1, sort: ['email'] })) as {
		id: string;
		email: string | null;
		role: string | null;
	}[];
	const tokens = await liveTokens(rt.knex, 'invite', rows.map((r) => r.id));
	return rows.map((row) => {
		const expiresAt = tokens.get(row.id)?.expiresAt;
		return { user: row.id, email: row.email ?? null, role: row.role ?? null, expires_at: expiresAt ? new Date(expiresAt).toISOString() : null };
	});
}

const PROBE_ROLLBACK = Symbol('permission probe');

/**
 * Asks the host whether the caller may make this write, by making it through the host's
 * UsersService inside a savepoint that is always rolled back (no events, nothing kept). A refusal
 * is the host's own error (403 FORBIDDEN); admins and the host itself pass without a probe.
 */
async function assertMayWrite(
	rt: Runtime,
	trx: Knex,
	accountability: Accountability | null,
	schema: Awaited<ReturnType<Runtime['getSchema']>>,
	action: 'create' | 'update',
	payload: Record<string, unknown>,
	key?: string,
): Promise<void> {
	if (!accountability || accountability.admin) return;
	try {
		await trx.transaction(async (sp) => {
			const users = new rt.services.UsersService({ knex: sp, schema, accountability });
			if (action === 'create') await users.createOne(payload, { emitEvents: false });
			else await users.updateOne(key!, payload, { emitEvents: false });
			throw PROBE_ROLLBACK;
		});
	} catch (error) {
		if (error === PROBE_ROLLBACK) return;
		throw error;
	}
}

function isUniqueViolation(error: unknown): boolean {
	if (isDirectusError(error, 'RECORD_NOT_UNIQUE')) return true;
	const e = error as { code?: unknown; message?: unknown } | null;
	return e?.code === '23505' || e?.code === 'ER_DUP_ENTRY' || (e?.code === 'SQLITE_CONSTRAINT' && String(e.message).includes('UNIQUE'));
}
