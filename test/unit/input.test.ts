import { describe, expect, it } from 'vitest';
import { email, hasControlCharacters, httpUrl, nullableText, parseInput, text, token, z } from '../../src/shared/input.js';

const reason = (schema: z.ZodType, value: unknown) => {
	try {
		parseInput(schema, value);
		return null;
	} catch (error) {
		return (error as { extensions?: { reason?: string } }).extensions?.reason ?? (error as Error).message;
	}
};

describe('text(): no control characters', () => {
	const body = z.strictObject({ name: text(), password: text(), email: email(), url: httpUrl().optional(), token: token().optional(), nick: nullableText() });
	const ok = { name: 'Jane Doe', password: 'correct horse', email: 'jane@example.com' };

	it('accepts ordinary text, spaces and non-ASCII letters', () => {
		expect(reason(body, { ...ok, name: 'Zoë Ångström 李', nick: null })).toBeNull();
		expect(reason(body, { ...ok, nick: 'Ünïcödé 😀' })).toBeNull();
	});

	it.each(['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f'])('refuses %j in every text field', (ch) => {
		expect(reason(body, { ...ok, name: `Ja${ch}ne` })).toBe('"name" must not contain control characters');
		expect(reason(body, { ...ok, password: `pass${ch}word` })).toBe('"password" must not contain control characters');
		expect(reason(body, { ...ok, nick: `${ch}` })).toBe('"nick" must not contain control characters');
		expect(reason(body, { ...ok, email: `ja${ch}ne@example.com` })).toBe('"email" must not contain control characters');
		expect(reason(body, { ...ok, url: `https://app.example.com/${ch}` })).toBe('"url" must not contain control characters');
		expect(reason(body, { ...ok, token: `abc${ch}` })).toBe('"token" must not contain control characters');
	});

	it('keeps the other messages', () => {
		expect(reason(body, { ...ok, name: '' })).toBe('"name" is not allowed to be empty');
		expect(reason(body, { ...ok, name: 'x'.repeat(1001) })).toBe('"name" is too long');
		expect(reason(body, { ...ok, email: 'not-an-email' })).toBe('"email" must be a valid email');
		expect(reason(body, { ...ok, url: 'javascript:alert(1)' })).toBe('"url" must be a valid http(s) URL');
	});

	it('hasControlCharacters', () => {
		expect(hasControlCharacters('a\u0000b')).toBe(true);
		expect(hasControlCharacters('a\u007fb')).toBe(true);
		expect(hasControlCharacters('a b\u00a0c\u0080')).toBe(false);
	});
});
