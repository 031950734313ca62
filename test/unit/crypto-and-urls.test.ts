import { describe, expect, it } from 'vitest';
import { deriveKey, generateToken, hashToken, orderedId, seal, unseal } from '../../src/shared/util/crypto.js';
import { passwordMatchesPolicy } from '../../src/shared/policy/password.js';
import { isUrlAllowed } from '../../src/shared/policy/url-allow-list.js';

describe('tokens', () => {
	it('are random, >= 128 bits, URL-safe; the hash is stable and not the token', () => {
		const tokens = new Set(Array.from({ length: 1000 }, () => generateToken()));
		expect(tokens.size).toBe(1000);
		for (const token of [...tokens].slice(0, 10)) {
			expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
			expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
			expect(hashToken(token)).toBe(hashToken(token));
			expect(hashToken(token)).not.toContain(token);
		}
	});

	it('seal/unseal round-trips, and a tampered or foreign-key value fails', () => {
		const key = deriveKey('secret', 'outbox');
		const sealed = seal(key, 'https://example.com/?token=abc');
		expect(sealed).not.toContain('token=abc');
		expect(unseal(key, sealed)).toBe('https://example.com/?token=abc');
		expect(() => unseal(deriveKey('other', 'outbox'), sealed)).toThrow();
		const parts = sealed.split('.');
		parts[2] = Buffer.from('tampered').toString('base64url');
		expect(() => unseal(key, parts.join('.'))).toThrow();
	});

	it('derives different keys per purpose and secret', () => {
		expect(deriveKey('s', 'a').equals(deriveKey('s', 'b'))).toBe(false);
		expect(deriveKey('s', 'a').equals(deriveKey('t', 'a'))).toBe(false);
	});
});

describe('ordered ids (UUIDv7)', () => {
	const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

	it('are UUIDv7 with the time in front, unique, and sort in the order they were made', () => {
		const before = Date.now();
		const ids = Array.from({ length: 20_000 }, () => orderedId());
		const after = Date.now();
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) expect(id).toMatch(UUID_V7);
		expect([...ids].sort()).toEqual(ids);
		const millis = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
		expect(millis(ids[0]!)).toBeGreaterThanOrEqual(before);
		// Borrowed milliseconds (4,096 ids in one) stay within a few of the clock.
		expect(millis(ids.at(-1)!)).toBeLessThanOrEqual(after + 10);
	});

	it('keep their order past 4,096 ids in one millisecond, and when the clock steps back', () => {
		const now = Date.now() + 60_000;
		const burst = Array.from({ length: 5000 }, () => orderedId(now));
		const stepBack = orderedId(now - 1000);
		const ids = [...burst, stepBack];
		expect([...ids].sort()).toEqual(ids);
		expect(new Set(ids).size).toBe(ids.length);
		for (const id of ids) expect(id).toMatch(UUID_V7);
	});

	it('carry 62 random bits: two ids of the same millisecond and counter differ only there', () => {
		const tails = new Set(Array.from({ length: 1000 }, () => orderedId().slice(19)));
		expect(tails.size).toBe(1000);
	});
});

describe('URL allow-list (the host rules)', () => {
	const list = ['https://app.example.com/verify', 'https://other.example.com/exact?x=1'];
	it.each([
		['https://app.example.com/verify', true],
		['https://app.example.com/verify?ref=mail', true],
		['https://app.example.com/verify#top', true],
		['https://other.example.com/exact?x=1', true],
		['https://app.example.com/verify/extra', false],
		['http://app.example.com/verify', false],
		['https://app.example.com:444/verify', false],
		['https://evil.example.net/verify', false],
		['not a url', false],
		// user info is refused, even where the rest matches (the host would take these)
		['https://user@app.example.com/verify', false],
		['https://user:secret@app.example.com/verify', false],
		['https://app.example.com@evil.example.net/verify', false],
	])('%s → %s', (url, allowed) => expect(isUrlAllowed(url, list)).toBe(allowed));
	it('accepts the comma-separated form and refuses everything with an empty list', () => {
		expect(isUrlAllowed('https://a.example.com/x', 'https://b.example.com/y, https://a.example.com/x')).toBe(true);
		expect(isUrlAllowed('https://a.example.com/x', undefined)).toBe(false);
	});
});

describe('password policy (the host notation)', () => {
	it.each([
		['/^.{8,}$/', 'long-enough', true],
		['/^.{8,}$/', 'short', false],
		['^(?=.*[0-9]).+$', 'has1digit', true],
		['^(?=.*[0-9]).+$', 'nodigit', false],
		[null, 'x', true],
	])('%s on %s → %s', (policy, password, ok) => expect(passwordMatchesPolicy(password, policy)).toBe(ok));
});
