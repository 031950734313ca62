// USER_LIFECYCLE_MAIL_SUBJECTS: validated at start-up (a bad value names the variable), matched
// by exact language tag, then by its primary subtag, else the host's English subject.
import { describe, expect, it } from 'vitest';
import { START_UP } from '../../src/capabilities.js';
import { ConfigError, loadConfig as loadWith, type Env } from '../../src/shared/config.js';

/** Every capability's settings, as the runtime loads them. */
const loadConfig = (env: Env) => loadWith(env, START_UP.settings);
import { escapeStrings, HOST_SUBJECTS, pickSubject } from '../../src/outbox/mail.js';
import { displayName } from '../../src/invitation/flow.js';

describe('USER_LIFECYCLE_MAIL_SUBJECTS', () => {
	it('defaults to none', () => {
		expect(loadConfig({}).mailSubjects).toEqual({});
	});

	it('takes templates -> language tags -> subjects (tags matched case-insensitively)', () => {
		const config = loadConfig({ USER_LIFECYCLE_MAIL_SUBJECTS: { 'user-invitation': { 'de-DE': 'Eingeladen', fr: 'Invité' } } });
		expect(config.mailSubjects).toEqual({ 'user-invitation': { 'de-de': 'Eingeladen', fr: 'Invité' } });
	});

	it.each([
		['"not json'],
		['[]'],
		['{"user-invitation": "Eingeladen"}'],
		['{"user-invitation": {"not a tag": "x"}}'],
		['{"user-invitation": {"de": ""}}'],
		['{"user-invitation": {"de": 3}}'],
		['{"user-invitation": {"de": "two\\nlines"}}'],
		[`{"user-invitation": {"de": "${'x'.repeat(256)}"}}`],
		['{"../evil": {"de": "x"}}'],
	])('refuses %s, naming the variable', (value) => {
		const previous = process.env['USER_LIFECYCLE_MAIL_SUBJECTS'];
		delete process.env['USER_LIFECYCLE_MAIL_SUBJECTS'];
		try {
			expect(() => loadConfig({ USER_LIFECYCLE_MAIL_SUBJECTS: value })).toThrow(ConfigError);
			expect(() => loadConfig({ USER_LIFECYCLE_MAIL_SUBJECTS: value })).toThrow(/USER_LIFECYCLE_MAIL_SUBJECTS/);
		} finally {
			if (previous !== undefined) process.env['USER_LIFECYCLE_MAIL_SUBJECTS'] = previous;
		}
	});
});

describe('pickSubject', () => {
	const subjects = { 'user-invitation': { 'de-de': 'Eingeladen (DE)', de: 'Eingeladen', 'pt-br': 'Convidado' } };

	it('matches the exact tag first, then the primary subtag', () => {
		expect(pickSubject(subjects, 'user-invitation', 'de-DE')).toBe('Eingeladen (DE)');
		expect(pickSubject(subjects, 'user-invitation', 'de-AT')).toBe('Eingeladen');
		expect(pickSubject(subjects, 'user-invitation', 'de')).toBe('Eingeladen');
		expect(pickSubject(subjects, 'user-invitation', 'pt_BR')).toBe('Convidado');
	});

	it("falls back to the host's English subject", () => {
		expect(pickSubject(subjects, 'user-invitation', 'pt-PT')).toBe(HOST_SUBJECTS['user-invitation']);
		expect(pickSubject(subjects, 'user-invitation', null)).toBe("You've been invited");
		expect(pickSubject(subjects, 'user-registration', 'de-DE')).toBe('Verify your email address');
		expect(pickSubject({}, 'password-reset', 'de')).toBe('Password Reset Request');
	});

	it("takes a capability's own subjects for its own template: after the configured ones, before English", () => {
		const own = { 'own-template': { en: 'Your link', de: 'Ihr Link' } };
		expect(pickSubject({}, 'own-template', 'de-DE', own)).toBe('Ihr Link');
		expect(pickSubject({}, 'own-template', 'fr', own)).toBe('Your link');
		expect(pickSubject({}, 'own-template', null, own)).toBe('Your link');
		expect(pickSubject({ 'own-template': { de: 'Konfiguriert' } }, 'own-template', 'de', own)).toBe('Konfiguriert');
		expect(pickSubject({}, 'user-invitation', 'de', own)).toBe("You've been invited");
	});
});

describe('displayName', () => {
	it('names an inviter by full name, else email, else nobody', () => {
		expect(displayName({ first_name: 'Ina', last_name: 'Viter', email: 'ina@example.net' })).toBe('Ina Viter');
		expect(displayName({ first_name: 'Ina', last_name: null, email: 'ina@example.net' })).toBe('Ina');
		expect(displayName({ first_name: ' ', email: 'ina@example.net' })).toBe('ina@example.net');
		expect(displayName(undefined)).toBeNull();
	});
});

describe('template data', () => {
	it('reaches the template HTML-escaped: every string, once; other values as they are', () => {
		const data = escapeStrings({ first_name: `<b>Eve</b><img src=x onerror="alert('1')">`, last_name: 'Tom & Jerry', language: 'de-DE', first: null, count: 3 });
		expect(data).toEqual({
			first_name: '&lt;b&gt;Eve&lt;/b&gt;&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;',
			last_name: 'Tom &amp; Jerry',
			language: 'de-DE',
			first: null,
			count: 3,
		});
	});
});
