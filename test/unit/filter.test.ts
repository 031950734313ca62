import { describe, expect, it } from 'vitest';
import { assertFilter, matchesFilter } from '../../src/shared/policy/filter.js';

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
