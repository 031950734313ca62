import type { Router } from 'express';
import { InvalidPayloadError } from '../errors.js';
import { acceptInvite, inviteUsers, listInvites, resendInvite, revokeInvite, type AcceptInput, type InviteInput } from '../flows/invitation.js';
import { parseDuration } from '../policy/duration.js';
import type { Runtime } from '../runtime.js';
import { bodyOf, checkEmail, onlyKeys, optionalText, text, url, uuid, type Body } from './input.js';
import { flowOptions, handle } from './respond.js';

/** One request may invite this many emails (bulk invites are a normal call). */
export const MAX_INVITES_PER_REQUEST = 5000;
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 366 * 24 * 3600 * 1000;

export function parseInvite(raw: unknown, opts: { allowExpiresIn?: boolean } = {}): InviteInput {
	const body = bodyOf(raw);
	onlyKeys(body, opts.allowExpiresIn === false ? ['email', 'role', 'invite_url'] : ['email', 'role', 'invite_url', 'expires_in']);
	const value = body['email'];
	const list = Array.isArray(value) ? value : [value];
	if (value === undefined || value === null) throw new InvalidPayloadError({ reason: '"email" is required' });
	if (list.length === 0) throw new InvalidPayloadError({ reason: '"email" must contain at least 1 item' });
	if (list.length > MAX_INVITES_PER_REQUEST) throw new InvalidPayloadError({ reason: `"email" must contain at most ${MAX_INVITES_PER_REQUEST} items` });
	const emails = list.map((item, index) => {
		const key = Array.isArray(value) ? `email[${index}]` : 'email';
		return checkEmail(text({ [key]: item }, key, { max: 254 }), key);
	});
	return { emails, role: uuid(body['role'], 'role'), inviteUrl: url(body, 'invite_url'), ttlMs: expiresIn(body) };
}

function expiresIn(body: Body): number | undefined {
	const value = body['expires_in'];
	if (value === undefined || value === null) return undefined;
	const ms = typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : null;
	if (ms === null || !Number.isFinite(ms) || ms < MIN_TTL_MS || ms > MAX_TTL_MS) {
		throw new InvalidPayloadError({ reason: '"expires_in" must be a duration between 1s and 366d (e.g. "7d", "12h", or milliseconds)' });
	}
	return ms;
}

export function parseAccept(raw: unknown, opts: { names?: boolean } = {}): AcceptInput {
	const body = bodyOf(raw);
	onlyKeys(body, opts.names === false ? ['token', 'password'] : ['token', 'password', 'first_name', 'last_name']);
	const input: AcceptInput = { token: text(body, 'token', { max: 4096 }), password: text(body, 'password') };
	if (opts.names !== false) {
		if (body['first_name'] !== undefined) input.first_name = optionalText(body, 'first_name', { nullable: true }) ?? null;
		if (body['last_name'] !== undefined) input.last_name = optionalText(body, 'last_name', { nullable: true }) ?? null;
	}
	return input;
}

function parseUserRef(raw: unknown, extra: string[] = []): Body & { user: string } {
	const body = bodyOf(raw);
	onlyKeys(body, ['user', ...extra]);
	return { ...body, user: uuid(body['user'], 'user') };
}

export function registerInvitationRoutes(router: Router, rt: Runtime): void {
	router.post(
		'/invite',
		handle(async (req) => inviteUsers(rt, parseInvite(req.body), flowOptions(req))),
	);
	router.post(
		'/invite/accept',
		handle(async (req) => {
			await acceptInvite(rt, parseAccept(req.body), flowOptions(req));
		}),
	);
	router.post(
		'/invite/resend',
		handle(async (req) => {
			const body = parseUserRef(req.body, ['invite_url', 'expires_in']);
			await resendInvite(rt, { user: body.user, inviteUrl: url(body, 'invite_url'), ttlMs: expiresIn(body) }, flowOptions(req));
		}),
	);
	router.post(
		'/invite/revoke',
		handle(async (req) => {
			await revokeInvite(rt, { user: parseUserRef(req.body).user }, flowOptions(req));
		}),
	);
	router.get(
		'/invites',
		handle(async (req) => listInvites(rt, flowOptions(req))),
	);
}
