// Two-factor enforcement on the host's WebSockets (WEBSOCKETS_ENABLED): the same rule as over
// HTTP — a user whose policies enforce two-factor and who has none reads and writes nothing.
// - Authentication with an access token (REST and GraphQL sockets, every auth mode): such a user's
//   token is refused there (`websocket.authenticate`; the host answers AUTH_FAILED).
// - The REST socket's messages (`websocket.message`: items, subscriptions), whatever authenticated
//   the connection (email and password, a refresh token): refused with TFA_REQUIRED; `ping`/`pong`
//   pass. The GraphQL socket only authenticates with an access token: the first rule covers it.
// Static tokens are exempt unless USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS, as over HTTP.
import type { Accountability } from '@directus/types';
import type { Runtime } from '../shared/runtime.js';
import { mustSetUpTwoFactor, twoFactorEnforced } from '../shared/users.js';
import type { EnforcingPolicies } from './enforcing-policies.js';
import { tfaRequired } from './errors.js';
import { isHostJwt } from './guard.js';

/** The payload of a host JWT (not verified: it is only read to refuse, never to let in). */
function jwtPayload(token: string): { id?: unknown; share?: unknown } | null {
	try {
		return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { id?: unknown; share?: unknown };
	} catch {
		return null;
	}
}

const PASSING_MESSAGES = new Set(['ping', 'pong']);

export function webSocketEnforcement(rt: Runtime, enforcing: EnforcingPolicies) {
	/** Accountabilities the host fills from a static token (it fills the very object the filter gets). */
	const byStaticToken = new WeakSet<object>();
	const exempt = (accountability: Accountability | null | undefined) => !rt.config.enforceTfaStaticTokens && !!accountability && byStaticToken.has(accountability);

	return {
		/** `websocket.authenticate`: refuses the access token of a user who must set up two-factor. Never changes the accountability. */
		authenticate: async (payload: unknown, meta: Record<string, unknown>): Promise<undefined> => {
			const message = meta['message'] as { access_token?: unknown } | undefined;
			const token = message?.access_token;
			if (typeof token !== 'string' || token === '') return undefined;
			if (!isHostJwt(token)) {
				if (payload && typeof payload === 'object') byStaticToken.add(payload);
				if (!rt.config.enforceTfaStaticTokens) return undefined;
				// A static token names its user only in the database.
				if (enforcing.known() === false || !(await enforcing.any())) return undefined;
				const user = await rt.knex('directus_users').select('id').where({ token }).first();
				if (user && (await mustSetUp(rt, String(user.id)))) throw tfaRequired();
				return undefined;
			}
			if (enforcing.known() === false || !(await enforcing.any())) return undefined;
			const claims = jwtPayload(token);
			if (!claims || claims.share || typeof claims.id !== 'string') return undefined;
			if (await mustSetUp(rt, claims.id)) throw tfaRequired();
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

/** Whether a user (known only by id) must set up two-factor: none set up, and a policy enforces it. */
async function mustSetUp(rt: Runtime, userId: string): Promise<boolean> {
	// Read off an unverified token: only a well-formed id reaches the database.
	if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(userId)) return false;
	const row = await rt.knex('directus_users').select('tfa_secret').where({ id: userId }).first();
	if (!row || row.tfa_secret) return false;
	return twoFactorEnforced(rt.knex, userId);
}
