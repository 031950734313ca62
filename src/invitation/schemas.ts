// Invitation's request bodies: ours, and the host's narrower ones for its own routes.
import { readDuration } from '../shared/config.js';
import { email, httpUrl, newPassword, nullableText, text, token, uuid, z } from '../shared/input.js';
import type { InviteInput } from './flow.js';

/** One request may invite this many emails (bulk invites are a normal call). */
export const MAX_INVITES_PER_REQUEST = 5000;
const MIN_TTL_MS = 1000;
const MAX_TTL_MS = 366 * 24 * 3600 * 1000;

/** "7d", "12h", or milliseconds, between 1 s and 366 d; as milliseconds (absent or null: the default). */
const expiresIn = () =>
	z
		.unknown()
		.optional()
		.transform((value, ctx) => {
			if (value === undefined || value === null) return undefined;
			const ms = typeof value === 'string' || typeof value === 'number' ? readDuration(value) : null;
			if (ms === null || !Number.isFinite(ms) || ms < MIN_TTL_MS || ms > MAX_TTL_MS) {
				ctx.addIssue({ code: 'custom', message: 'must be a duration between 1s and 366d (e.g. "7d", "12h", or milliseconds)' });
				return z.NEVER;
			}
			return ms;
		});

/** One address or a list of them; always a list after parsing. */
const list = <T extends z.ZodType<string>>(item: T) => z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(item).min(1).max(MAX_INVITES_PER_REQUEST));

const inviteFields = { role: uuid(), invite_url: httpUrl().optional() };

const toInviteInput =
	(malformed: InviteInput['malformed']) =>
	(body: { email: string[]; role: string; invite_url?: string; expires_in?: number }): InviteInput => ({
		emails: body.email,
		role: body.role,
		inviteUrl: body.invite_url,
		ttlMs: body.expires_in,
		malformed,
	});

/**
 * Ours: a malformed address is that address's outcome ("invalid"), the others are invited; a
 * value no address could be (too long for the host's column, control characters) is still a 400.
 */
export const inviteBody = z.strictObject({ email: list(text(254)), ...inviteFields, expires_in: expiresIn() }).transform(toInviteInput('report'));
/** The host's `POST /users/invite`: no `expires_in`, and the host's answer to a malformed address (400, nobody invited). */
export const hostInviteBody = z.strictObject({ email: list(email()), ...inviteFields }).transform(toInviteInput('refuse'));

export const acceptBody = z.strictObject({ token: token(), password: newPassword(), first_name: nullableText(), last_name: nullableText() });
/** The host's `POST /users/invite/accept`: token and password only. */
export const hostAcceptBody = z.strictObject({ token: token(), password: newPassword() });

export const resendBody = z
	.strictObject({ user: uuid(), invite_url: httpUrl().optional(), expires_in: expiresIn() })
	.transform((body) => ({ user: body.user, inviteUrl: body.invite_url, ttlMs: body.expires_in }));

export const revokeBody = z.strictObject({ user: uuid() });
