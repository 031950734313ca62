// The pure parts of the host's sessions: chains of rotated rows are one session, ids are keyed
// hashes that never reveal the token, and the databases' ways of writing `expires` all read back.
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import {
	chainOf,
	chainSessions,
	endUserSessions,
	expiresAt,
	isLive,
	readUserSessionRows,
	SESSIONS_TABLE,
	type SessionRow,
} from '../../src/shared/sessions.js';
import { SESSION_ID, sessionId, sweepLateSuccessors } from '../../src/sessions/store.js';

const row = (token: string, next: string | null = null, expires: unknown = Date.now() + 60_000): SessionRow => ({
	token,
	next_token: next,
	expires,
	ip: null,
	user_agent: null,
	origin: null,
	oauth_client: null,
});

describe('session chains', () => {
	it('a rotated session (old row naming its successor) is one chain, headed by the newest row', () => {
		const chains = chainSessions([row('old', 'new'), row('other'), row('new'), row('older', 'old')]);
		expect(chains).toHaveLength(2);
		const rotated = chainOf(chains, 'older')!;
		expect(rotated.head.token).toBe('new');
		expect(rotated.tokens.sort()).toEqual(['new', 'old', 'older']);
		expect(chainOf(chains, 'new')).toBe(rotated);
		expect(chainOf(chains, 'other')!.tokens).toEqual(['other']);
		expect(chainOf(chains, 'nobody')).toBeUndefined();
		expect(chainOf(chains, null)).toBeUndefined();
	});

	it('a successor that is gone leaves the old row its own head; a cycle does not hang', () => {
		expect(chainSessions([row('old', 'gone')]).map((c) => c.head.token)).toEqual(['old']);
		const cyclic = chainSessions([row('a', 'b'), row('b', 'a')]);
		expect(cyclic.flatMap((c) => c.tokens).sort()).toEqual(['a', 'b']);
	});

	it('liveness follows the head: an expired head is an ended session', () => {
		const now = Date.now();
		expect(isLive(chainSessions([row('a', null, now - 1)])[0]!, now)).toBe(false);
		expect(isLive(chainSessions([row('a', null, now + 1)])[0]!, now)).toBe(true);
	});
});

describe('session ids', () => {
	const key = Buffer.alloc(32, 7);

	it('are 43 base64url characters, stable for a token, different per token and per key', () => {
		const id = sessionId(key, 'refresh-token-1');
		expect(id).toMatch(SESSION_ID);
		expect(sessionId(key, 'refresh-token-1')).toBe(id);
		expect(sessionId(key, 'refresh-token-2')).not.toBe(id);
		expect(sessionId(Buffer.alloc(32, 8), 'refresh-token-1')).not.toBe(id);
		expect(id).not.toContain('refresh-token');
	});
});

describe('expiresAt', () => {
	it('reads a Date, epoch milliseconds (number or string) and zone-less UTC text', () => {
		const ms = Date.UTC(2030, 0, 2, 3, 4, 5);
		expect(expiresAt(row('a', null, new Date(ms)))).toBe(ms);
		expect(expiresAt(row('a', null, ms))).toBe(ms);
		expect(expiresAt(row('a', null, String(ms)))).toBe(ms);
		expect(expiresAt(row('a', null, '2030-01-02 03:04:05'))).toBe(ms);
		expect(expiresAt(row('a', null, '2030-01-02T03:04:05.000Z'))).toBe(ms);
		expect(expiresAt(row('a', null, 'soon'))).toBeNull();
		expect(expiresAt(row('a', null, null))).toBeNull();
	});
});

/** The host's directus_sessions, as far as these functions read it. */
async function ensureHostSessions(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(SESSIONS_TABLE)) return;
	await knex.schema.createTable(SESSIONS_TABLE, (table) => {
		table.string('token', 64).primary();
		table.string('user', 36).nullable();
		table.timestamp('expires').notNullable();
		table.string('ip').nullable();
		table.text('user_agent').nullable();
		table.string('origin').nullable();
		table.string('share', 36).nullable();
		table.string('next_token', 64).nullable();
		table.string('oauth_client').nullable();
	});
}

describe('ending sessions (SQLite)', () => {
	const store = useSqliteStore(ensureHostSessions);
	const insert = (token: string, user: string | null, extra: Record<string, unknown> = {}) =>
		store.knex(SESSIONS_TABLE).insert({ token, user, expires: new Date(Date.now() + 60_000), ...extra });
	const tokensOf = async (user: string) => (await store.knex(SESSIONS_TABLE).where({ user }).orderBy('token')).map((r: { token: string }) => r.token);

	it('endUserSessions keeps the whole chain of `keep`, ends the rest, never touches share sessions', async () => {
		await insert('u1-old', 'u1', { next_token: 'u1-new' });
		await insert('u1-new', 'u1');
		await insert('u1-other', 'u1');
		await insert('u1-gone', 'u1', { expires: new Date(Date.now() - 1000) });
		await insert('share-1', null, { share: 's1' });
		expect(await endUserSessions(store.knex, 'u1', { keep: 'u1-old' })).toBe(1);
		expect(await tokensOf('u1')).toEqual(['u1-new', 'u1-old']);
		expect(await store.knex(SESSIONS_TABLE).where({ token: 'share-1' })).toHaveLength(1);
		expect(await endUserSessions(store.knex, 'u1')).toBe(1);
		expect(await tokensOf('u1')).toEqual([]);
	});

	it('a successor written after its session ended is swept a moment later', async () => {
		await insert('u2-old', 'u2', { next_token: 'u2-late' });
		const chains = chainSessions(await readUserSessionRows(store.knex, 'u2'));
		await store.knex(SESSIONS_TABLE).where({ user: 'u2' }).delete();
		sweepLateSuccessors(store.knex, 'u2', chains, 20);
		await insert('u2-late', 'u2');
		await insert('u2-unrelated', 'u2');
		await expect.poll(() => tokensOf('u2'), { timeout: 2000 }).toEqual(['u2-unrelated']);
	});
});

describe('sessions input', async () => {
	const { noBody, parseInput } = await import('../../src/shared/input.js');
	const { ownScopeQuery, sessionParam } = await import('../../src/sessions/schemas.js');
	const reason = (fn: () => unknown) => {
		try {
			fn();
		} catch (error) {
			return (error as { extensions?: { reason?: string } }).extensions?.reason;
		}
		return 'accepted';
	};

	it('a DELETE takes no body (an empty object is tolerated)', () => {
		for (const ok of [undefined, null, {}]) expect(reason(() => parseInput(noBody, ok))).toBe('accepted');
		expect(reason(() => parseInput(noBody, { force: true }))).toBe('"force" is not allowed');
		for (const bad of [[], 'x', 0]) expect(reason(() => parseInput(noBody, bad))).toBe('The request body must be empty');
	});

	it('scope is required and one of others/all; a session id is 43 base64url characters', () => {
		expect(reason(() => parseInput(ownScopeQuery, {}))).toBe('"scope" must be one of [others, all]');
		expect(reason(() => parseInput(ownScopeQuery, { scope: ['all', 'others'] }))).toMatch(/^"scope" /);
		expect(reason(() => parseInput(ownScopeQuery, { scope: 'all', x: '1' }))).toBe('"x" is not allowed');
		expect(reason(() => parseInput(sessionParam, { session: 'A'.repeat(43) }))).toBe('accepted');
		expect(reason(() => parseInput(sessionParam, { session: `${'A'.repeat(42)}/` }))).toBe('"session" must be a session id');
	});
});
