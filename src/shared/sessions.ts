// The host's sessions (`directus_sessions`: one row per refresh token / session cookie, the raw
// token as its key). Ending a session deletes its row: its refresh token and, for session-mode
// logins, its access token stop working at once (the host checks the row on every request);
// a JSON-mode access token already handed out lives until it expires (ACCESS_TOKEN_TTL).
//
// One sign-in can be two rows for a moment: a session-mode refresh keeps the old row for
// SESSION_REFRESH_GRACE_PERIOD with `next_token` naming the new one. Such a chain is one session
// here: listed once, ended whole (or it would live on through the other row).
// Share sessions (`share` set, no user) are not users' sessions and are never touched here.
import type { Knex } from 'knex';
import type { HostRequest } from './http.js';
import { parseInput, token, z } from './input.js';
import { toMillis } from './util/time.js';
import { dialectOf, isTransaction } from './util/sql.js';

export const SESSIONS_TABLE = 'directus_sessions';

export interface SessionRow {
	token: string;
	next_token: string | null;
	expires: unknown;
	ip: string | null;
	user_agent: string | null;
	origin: string | null;
	oauth_client: string | null;
}

/** One sign-in: its rows, newest (`head`) first. */
export interface SessionChain {
	head: SessionRow;
	tokens: string[];
}

const COLUMNS = ['token', 'next_token', 'expires', 'ip', 'user_agent', 'origin', 'oauth_client'];

/** Every session row of `userId` (expired ones included), locked for the transaction where the database can. */
export async function readUserSessionRows(knex: Knex, userId: string, options: { lock?: boolean } = {}): Promise<SessionRow[]> {
	const query = knex(SESSIONS_TABLE).select(COLUMNS).where({ user: userId }).whereNull('share');
	if (options.lock && dialectOf(knex) !== 'sqlite' && isTransaction(knex)) query.forUpdate();
	return query;
}

/** Groups rows into sign-ins by following `next_token` (pure). */
export function chainSessions(rows: readonly SessionRow[]): SessionChain[] {
	const byToken = new Map(rows.map((row) => [row.token, row]));
	const chains = new Map<string, SessionChain>();
	for (const row of rows) {
		let head = row;
		const seen = new Set([row.token]);
		for (let next = head.next_token; next && byToken.has(next) && !seen.has(next); next = head.next_token) {
			head = byToken.get(next)!;
			seen.add(next);
		}
		const chain = chains.get(head.token) ?? { head, tokens: [] };
		if (row === head) chain.tokens.unshift(row.token);
		else chain.tokens.push(row.token);
		chains.set(head.token, chain);
	}
	return [...chains.values()];
}

/** When the session ends by itself, as epoch ms (null when the database's value can't be read). */
export function expiresAt(row: SessionRow): number | null {
	const value = row.expires;
	if (typeof value === 'string' && !/^\d+$/.test(value)) {
		// SQLite and MySQL without a zone: the host writes UTC.
		const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
		return Number.isFinite(ms) ? ms : null;
	}
	return toMillis(value);
}

export const isLive = (chain: SessionChain, now: number) => (expiresAt(chain.head) ?? 0) >= now;

/** The chain holding `token`, if it is one of `chains`. */
export const chainOf = (chains: readonly SessionChain[], token: string | null | undefined) => (token ? chains.find((chain) => chain.tokens.includes(token)) : undefined);

/**
 * Ends every session of `userId` but the one whose token is `keep` (and the rest of its chain);
 * returns how many live sessions ended. Rows written meanwhile (a new login) end too.
 */
export async function endUserSessions(knex: Knex, userId: string, options: { keep?: string | null } = {}): Promise<number> {
	const chains = chainSessions(await readUserSessionRows(knex, userId, { lock: true }));
	const kept = chainOf(chains, options.keep);
	const query = knex(SESSIONS_TABLE).where({ user: userId }).whereNull('share');
	if (kept) query.whereNotIn('token', kept.tokens);
	else if (options.keep) query.whereNot({ token: options.keep });
	await query.delete();
	const now = Date.now();
	return chains.filter((chain) => chain !== kept && isLive(chain, now)).length;
}

/** The header a JSON-mode client names its session with (its refresh token). */
export const REFRESH_TOKEN_HEADER = 'x-refresh-token';
const namedSession = z.object({ [REFRESH_TOKEN_HEADER]: token().optional() });

/**
 * The session token a request comes with: a session-mode login says so itself (its access token
 * names its session; the Data Studio signs in this way); otherwise the refresh token the client
 * names in the X-Refresh-Token header (JSON mode), or the refresh-token cookie (cookie mode).
 * Only ever compared with the user's own sessions, never shown.
 */
export function currentSessionToken(req: HostRequest & { cookies?: Record<string, unknown> }, refreshCookieName: string): string | null {
	const named = parseInput(namedSession, req.headers)[REFRESH_TOKEN_HEADER];
	const session = req.accountability?.session;
	if (typeof session === 'string' && session !== '') return session;
	if (named) return named;
	const cookie = req.cookies?.[refreshCookieName];
	return typeof cookie === 'string' && cookie !== '' ? cookie : null;
}
