import { describe, expect, it } from 'vitest';
import { assertFilter, matchesFilter } from '../../src/registration/filter.js';

describe('matchesFilter (the host filter syntax over a payload)', () => {
	const payload = { email: 'Jane@Partner.example.com', first_name: 'Jane', title: null };

	it.each([
		[{ email: { _eq: 'Jane@Partner.example.com' } }, true],
		[{ email: { _eq: 'jane@partner.example.com' } }, false],
		[{ email: { _neq: 'x@example.com' } }, true],
		[{ email: { _ends_with: '@Partner.example.com' } }, true],
		[{ email: { _ends_with: '@partner.example.com' } }, false],
		[{ email: { _iends_with: '@partner.example.com' } }, true],
		[{ email: { _nends_with: '@partner.example.com' } }, true],
		[{ email: { _starts_with: 'Jane' } }, true],
		[{ email: { _istarts_with: 'jane' } }, true],
		[{ email: { _contains: 'Partner' } }, true],
		[{ email: { _icontains: 'partner' } }, true],
		[{ email: { _ncontains: 'Partner' } }, false],
		[{ email: { _regex: '/^[a-z]+@/' } }, false],
		[{ email: { _regex: '^[A-Za-z]+@' } }, true],
		[{ first_name: { _in: ['Jane', 'John'] } }, true],
		[{ first_name: { _nin: ['Jane', 'John'] } }, false],
		[{ title: { _null: true } }, true],
		[{ title: { _nnull: true } }, false],
		[{ missing: { _null: true } }, true],
		[{ missing: { _submitted: true } }, false],
		[{ first_name: { _empty: false } }, true],
		[{ _or: [{ email: { _eq: 'no' } }, { first_name: { _eq: 'Jane' } }] }, true],
		[{ _and: [{ email: { _iends_with: 'example.com' } }, { first_name: { _eq: 'John' } }] }, false],
		[{ email: { _iends_with: 'example.com', _istarts_with: 'jane' } }, true],
	])('%j → %s', (filter, expected) => {
		assertFilter(filter);
		expect(matchesFilter(filter, payload)).toBe(expected);
	});

	describe('with case-insensitive fields (emails)', () => {
		const options = { caseInsensitive: new Set(['email']) };
		const upper = { email: 'X@BLOCKED.EXAMPLE.COM', first_name: 'Jane' };

		it.each([
			[{ email: { _ends_with: '@blocked.example.com' } }, true],
			[{ email: { _eq: 'x@blocked.example.com' } }, true],
			[{ email: { _neq: 'x@blocked.example.com' } }, false],
			[{ email: { _starts_with: 'x@' } }, true],
			[{ email: { _nstarts_with: 'x@' } }, false],
			[{ email: { _contains: 'Blocked' } }, true],
			[{ email: { _ncontains: 'blocked' } }, false],
			[{ email: { _nends_with: '@Blocked.Example.Com' } }, false],
			[{ email: { _in: ['a@example.com', 'x@blocked.example.com'] } }, true],
			[{ email: { _nin: ['x@blocked.example.com'] } }, false],
			[{ email: { _regex: '/@blocked\\.example\\.com$/' } }, true],
			[{ email: { _regex: '^[a-z]+@' } }, true],
			[{ email: { _iends_with: '@BLOCKED.example.com' } }, true],
			// other fields keep comparing as written
			[{ first_name: { _eq: 'jane' } }, false],
			[{ first_name: { _in: ['jane'] } }, false],
			[{ _or: [{ first_name: { _eq: 'nobody' } }, { email: { _ends_with: '.example.COM' } }] }, true],
			[{ _and: [{ email: { _ends_with: '.com' } }, { first_name: { _eq: 'Jane' } }] }, true],
		])('%j → %s', (filter, expected) => {
			assertFilter(filter);
			expect(matchesFilter(filter, upper, options)).toBe(expected);
		});

		it('the same filters without the option stay case-sensitive', () => {
			expect(matchesFilter({ email: { _ends_with: '@blocked.example.com' } }, upper)).toBe(false);
			expect(matchesFilter({ email: { _regex: '^[a-z]+@' } }, upper)).toBe(false);
		});
	});

	it.each([
		[[], 'must be an object'],
		[{ _xor: [] }, 'unknown logical operator'],
		[{ _and: [] }, 'non-empty array'],
		[{ email: 'x' }, 'object of operators'],
		[{ email: { _like: 'x' } }, 'unsupported operator'],
		[{ email: { _in: 'x' } }, 'needs an array'],
		[{ email: { _eq: { a: 1 } } }, 'needs a scalar'],
		[{ email: { _regex: '(' } }, 'Invalid regular expression'],
	])('refuses %j', (filter, message) => {
		expect(() => assertFilter(filter)).toThrow(message);
	});
});
