// The Data Studio module's pure helpers (src/module/format.ts): search words, typed values,
// durations, browser names, CSV.
import { describe, expect, it } from 'vitest';
import { browserOf, isDuration, personName, toCsv, typed, wordsFilter } from '../../src/module/format.js';

describe("the module's helpers", () => {
	it('a search of several words needs each word in one of the fields ("Carol Meyer")', () => {
		expect(wordsFilter('  Carol   Meyer ', ['email', 'first_name'])).toEqual({
			_and: [
				{ _or: [{ email: { _icontains: 'Carol' } }, { first_name: { _icontains: 'Carol' } }] },
				{ _or: [{ email: { _icontains: 'Meyer' } }, { first_name: { _icontains: 'Meyer' } }] },
			],
		});
		expect(wordsFilter('   ', ['email'])).toBeNull();
	});

	it('a cleared input (null) reads as empty text, never a crash', () => {
		expect(typed(null)).toBe('');
		expect(typed(undefined)).toBe('');
		expect(typed('  a@b.c ')).toBe('a@b.c');
	});

	it('link lifetimes as the API takes them', () => {
		for (const ok of ['7d', '12h', '30m', '45s', '2w', '86400000', '1.5h']) expect(isDuration(ok), ok).toBe(true);
		for (const bad of ['forever', '7 days', '-1d', '', 'd7']) expect(isDuration(bad), bad).toBe(false);
	});

	it('browsers by name and system', () => {
		expect(browserOf('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36')).toEqual({ browser: 'Chrome 140', os: 'Linux' });
		expect(browserOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0')).toEqual({ browser: 'Firefox 131', os: 'Windows' });
		expect(browserOf('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15')).toEqual({ browser: 'Safari 17', os: 'macOS' });
		expect(browserOf('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36 Edg/129.0')).toEqual({ browser: 'Edge 129', os: 'Windows' });
		expect(browserOf('node')).toBeNull();
		expect(browserOf(null)).toBeNull();
	});

	it('names and CSV', () => {
		expect(personName({ first_name: 'Carol', last_name: 'Meyer', email: 'carol@example.com' })).toBe('Carol Meyer (carol@example.com)');
		expect(personName({ email: 'x@example.com' })).toBe('x@example.com');
		expect(toCsv(['a', 'b'], [{ a: 'plain', b: 'with, comma' }, { a: 'say "hi"', b: null }])).toBe('a,b\r\nplain,"with, comma"\r\n"say ""hi""",\r\n');
	});
});
