// The pure parts of the host's sessions: chains of rotated rows are one session, ids are keyed
// hashes that never reveal the token, and the databases' ways of writing `expires` all read back.
import { describe, expect, it } from 'vitest';
import { chainOf, chainSessions, expiresAt, isLive, SESSION_ID, sessionId, type SessionRow } from '../../src/shared/sessions.js';

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
