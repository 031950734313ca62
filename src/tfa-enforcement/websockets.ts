// Two-factor enforcement on the host's WebSockets (WEBSOCKETS_ENABLED): the same rule as over
// HTTP — a user whose policies enforce two-factor and who has none reads and writes nothing.
// - Authentication (`websocket.authenticate`, every socket — REST, GraphQL, logs — in every auth
//   mode) with such a user's access token, or email and password: refused (the host answers
//   AUTH_FAILED).
// - The REST socket's messages (`websocket.message`: items, subscriptions), for a connection
//   authenticated otherwise (a refresh token names no user before the host spends it): refused
//   with TFA_REQUIRED; `ping`/`pong` pass.
// Static tokens are exempt unless USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS, as over HTTP.
import type { Knex } from 'knex';
import type { Accountability } from '@directus/types';
import type { Runtime } from '../shared/runtime.js';
import { findUserByEmail, mustSetUpTwoFactor, USERS_TABLE } from '../shared/users.js';
import type { EnforcingPolicies } from './enforcing-policies.js';
import { tfaRequired } from './errors.js';
import { jwtClaims } from './guard.js';

const PASSING_MESSAGES = new Set(['ping', 'pong']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function webSocketEnforcement(rt: Runtime, enforcing: EnforcingPolicies) {
	/** Accountabilities the host fills from a static token (it fills the very object the filter gets). */
	const byStaticToken = new WeakSet<object>();
	const exempt = (accountability: Accountability | null | undefined) => !rt.config.enforceTfaStaticTokens && !!accountability && byStaticToken.has(accountability);

	/** The user an authentication message names, when it can be told before the host fills the accountability. */
	const userOf = async (message: { access_token?: unknown; email?: unknown }): Promise<string | undefined> => {
		const token = message.access_token;
		if (typeof token === 'string' && token !== '') {
			const claims = jwtClaims(token);
			if (claims?.iss !== 'directus') return findUserIdByStaticToken(rt.knex, token);
			// Read off a token not yet verified: only a well-formed id reaches the database.
			return claims.share || typeof claims.id !== 'string' || !UUID.test(claims.id) ? undefined : claims.id;
		}
		// The host has just signed this user in: the address is theirs.
		if (typeof message.email === 'string' && message.email !== '') return (await findUserByEmail(rt.knex, message.email))?.id;
		return undefined;
	};

	return {
		/** `websocket.authenticate`: refuses a user who must set up two-factor. Never changes the accountability. */
		authenticate: async (payload: unknown, meta: Record<string, unknown>): Promise<undefined> => {
			const message = (meta['message'] ?? {}) as { access_token?: unknown; email?: unknown };
			const token = message.access_token;
			const staticToken = typeof token === 'string' && token !== '' && jwtClaims(token)?.iss !== 'directus';
			if (staticToken && payload && typeof payload === 'object') byStaticToken.add(payload);
			if (staticToken && !rt.config.enforceTfaStaticTokens) return undefined;
			if (enforcing.known() === false || !(await enforcing.any())) return undefined;
			const user = await userOf(message);
			if (user && (await mustSetUpTwoFactor(rt.knex, user))) throw tfaRequired();
			return undefined;
		},
		/** `websocket.message` (REST socket): refuses every message but a heartbeat from such a user. */
		message: async (payload: unknown, meta: Record<string, unknown>): Promise<undefined> => {
			const client = meta['client'] as { accountability?: Accountability | null } | undefined;
			const accountability = client?.accountability;
			const user = accountability?.user;
			if (!user || accountability.share || exempt(accountability)) return undefined;
			if (enforcing.known() === false) return undefined;
			const type = (payload as { type?: unknown } | null)?.type;
			if (typeof type === 'string' && PASSING_MESSAGES.has(type)) return undefined;
			if ((await enforcing.any()) && (await mustSetUpTwoFactor(rt.knex, user, accountability.roles ?? []))) throw tfaRequired();
			return undefined;
		},
	};
}

/** The active user a static token (`directus_users.token`) belongs to, as the host looks it up. */
export async function findUserIdByStaticToken(knex: Knex, token: string): Promise<string | undefined> {
	const row = await knex(USERS_TABLE).select('id').where({ token, status: 'active' }).first();
	return row ? String(row.id) : undefined;
}
