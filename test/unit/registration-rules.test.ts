import { describe, expect, it } from 'vitest';
import { decideRegistration, matchesRegistrationFilter, parseRegistrationRules } from '../../src/registration/rules.js';

const ROLE = '6b1a5a4e-1111-4c1b-9d2a-8f3e2f1a0b01';

describe('registration rules', () => {
	const rules = parseRegistrationRules([
		{ filter: { email: { _ends_with: '@blocked.example.net' } }, action: 'deny' },
		{ filter: { email: { _ends_with: '@partner.example.com' } }, action: 'allow', role: ROLE },
		{ filter: { email: { _ends_with: '.example.com' } }, action: 'allow', status: 'draft' },
		{ filter: { email: { _ends_with: '@partner.example.com' } }, action: 'deny' },
	]);

	it('first match wins', () => {
		expect(decideRegistration(rules, { email: 'a@blocked.example.net' })).toEqual({ action: 'deny' });
		expect(decideRegistration(rules, { email: 'a@partner.example.com' })).toEqual({ action: 'allow', role: ROLE });
		expect(decideRegistration(rules, { email: 'a@other.example.com' })).toEqual({ action: 'allow', status: 'draft' });
	});

	it('compares emails case-insensitively (one account whatever the case)', () => {
		expect(decideRegistration(rules, { email: 'X@BLOCKED.EXAMPLE.NET' })).toEqual({ action: 'deny' });
		expect(decideRegistration(rules, { email: 'A@Partner.Example.Com' })).toEqual({ action: 'allow', role: ROLE });
		const denyBlocked = parseRegistrationRules([{ filter: { email: { _ends_with: '@blocked.example.com' } }, action: 'deny' }]);
		expect(decideRegistration(denyBlocked, { email: 'X@BLOCKED.EXAMPLE.COM' })).toEqual({ action: 'deny' });
		// other fields compare as written
		const vip = parseRegistrationRules([{ filter: { title: { _eq: 'vip' } }, action: 'deny' }]);
		expect(decideRegistration(vip, { email: 'a@example.com', title: 'VIP' })).toBeNull();
	});

	it('the host email filter compares case-insensitively too', () => {
		const filter = { _and: [{ email: { _ends_with: '@example.com' } }] };
		expect(matchesRegistrationFilter(filter, { email: 'Someone@EXAMPLE.COM' })).toBe(true);
		expect(matchesRegistrationFilter(filter, { email: 'someone@example.net' })).toBe(false);
		expect(matchesRegistrationFilter({ email: { _eq: 'Boss@Example.com' } }, { email: 'boss@example.COM' })).toBe(true);
	});

	it('no match → null (the host defaults apply)', () => {
		expect(decideRegistration(rules, { email: 'a@example.org' })).toBeNull();
		expect(decideRegistration([], { email: 'a@example.org' })).toBeNull();
	});

	it.each([
		[{}, 'must be a JSON array'],
		[[1], 'rule 0 must be an object'],
		[[{ filter: {}, action: 'maybe' }], 'rule 0.action'],
		[[{ filter: { email: { _eq: 'x' } }, action: 'allow', role: 'admin' }], 'rule 0.role'],
		[[{ filter: { email: { _eq: 'x' } }, action: 'allow', status: 'suspended' }], 'rule 0.status'],
		[[{ filter: { email: { _eq: 'x' } }, action: 'allow', colour: 'red' }], 'unknown key "colour"'],
		[[{ filter: { email: { _bogus: 'x' } }, action: 'allow' }], 'unsupported operator'],
	])('refuses %j', (raw, message) => {
		expect(() => parseRegistrationRules(raw)).toThrow(message);
	});
});
