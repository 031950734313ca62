import { describe, expect, it } from 'vitest';
import { linkWithToken } from '../../src/shared/host.js';

describe('linkWithToken', () => {
	it('adds the token to an absolute URL, keeping its query', () => {
		expect(linkWithToken('https://app.example.com/reset?lang=de', 'abc')).toBe('https://app.example.com/reset?lang=de&token=abc');
	});

	it('replaces a token the URL already carries', () => {
		expect(linkWithToken('https://app.example.com/x?token=old', 'new')).toBe('https://app.example.com/x?token=new');
	});

	it('keeps a path a path when PUBLIC_URL is unset (the host defaults it to "/")', () => {
		expect(linkWithToken('/user-lifecycle/sign-in', 'a+b/c')).toBe('/user-lifecycle/sign-in?token=a%2Bb%2Fc');
	});
});
