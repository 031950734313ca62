// The host's sessions (`directus_sessions`: one row per refresh token / session cookie, the raw
// token as its key). Ending a session deletes its row: its refresh token and, for session-mode
// logins, its access token stop working at once (the host checks the row on every request);
// a JSON-mode access token already handed out lives until it expires (ACCESS_TOKEN_TTL).
import type { Knex } from 'knex';

export const SESSIONS_TABLE = 'directus_sessions';

/** Ends every session of `userId` (but the one whose token is `keep`); returns how many ended. */
export async function endUserSessions(knex: Knex, userId: string, options: { keep?: string | null } = {}): Promise<number> {
	const query = knex(SESSIONS_TABLE).where({ user: userId });
	if (options.keep) query.whereNot({ token: options.keep });
	return query.delete();
}
