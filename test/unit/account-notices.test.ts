// The pure parts of the email change and the notices: the half-masked address, devices (browser
// family, system, /24 and /48 networks), the browser as people read it, USER_LIFECYCLE_NOTICES,
// the shipped templates' subjects, the link pages' language.
import { describe, expect, it } from 'vitest';
import { maskEmail } from '../../src/email-change/mails.js';
import { deviceKey, networkOf } from '../../src/notices/devices.js';
import { NOTICE_TEMPLATES } from '../../src/notices/mails.js';
import { NOTICE_KINDS, parseNotices } from '../../src/notices/settings.js';
import { pickSubject } from '../../src/outbox/mail.js';
import { ConfigError } from '../../src/shared/config.js';
import { pageLanguage } from '../../src/shared/link-pages.js';
import { describeBrowser, mailTime } from '../../src/shared/notice-details.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_NEXT = 'Mozilla/5.0 (X11; Linux x86_64; rv:129.0) Gecko/20100101 Firefox/129.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('maskEmail', () => {
	it('keeps the first half of the local part and of the domain name, and the rest of the domain', () => {
		expect(maskEmail('jane.doe@example.com')).toBe('jane****@exa****.com');
		expect(maskEmail('ab@x.org')).toBe('a*@x*.org');
		expect(maskEmail('a@b.co.uk')).toBe('a*@b*.co.uk');
	});

	it('never shows the whole address, whatever it is', () => {
		for (const address of ['x@y.z', 'ü@例え.jp', 'a@localhost', 'no-at-sign']) expect(maskEmail(address)).not.toBe(address);
	});
});

describe('devices', () => {
	it('reads the /24 of IPv4 (mapped too) and the /48 of IPv6', () => {
		expect(networkOf('203.0.113.77')).toBe('203.0.113.0/24');
		expect(networkOf('::ffff:203.0.113.5')).toBe('203.0.113.0/24');
		expect(networkOf('2001:db8:1:2::5')).toBe('2001:db8:1::/48');
		expect(networkOf('2001:0db8:0001:ffff:0:0:0:1')).toBe('2001:db8:1::/48');
		expect(networkOf('::1')).toBe('0:0:0::/48');
		for (const unreadable of [null, '', 'not-an-ip', '1::2::3', 'fe80::1:2:3:4:5:6:7:8']) expect(networkOf(unreadable)).toBe('');
	});

	it('is the same device across a browser update and within a network, another one otherwise', () => {
		expect(deviceKey(FIREFOX, '203.0.113.10')).toBe(deviceKey(FIREFOX_NEXT, '203.0.113.200'));
		expect(deviceKey(FIREFOX, '203.0.113.10')).not.toBe(deviceKey(CHROME, '203.0.113.10'));
		expect(deviceKey(FIREFOX, '203.0.113.10')).not.toBe(deviceKey(FIREFOX, '198.51.100.10'));
		expect(deviceKey(FIREFOX, '203.0.113.10')).toMatch(/^[0-9a-f]{64}$/);
	});

	it('names the browser for people, and shortens what it can\'t read', () => {
		expect(describeBrowser(FIREFOX)).toBe('Firefox 128 on Linux');
		expect(describeBrowser(CHROME)).toBe('Chrome 120 on Windows');
		expect(describeBrowser(null)).toBe('unknown');
		expect(describeBrowser('x'.repeat(200))).toHaveLength(80);
		expect(mailTime(Date.UTC(2026, 11, 7, 9, 33, 12))).toBe('2026-12-07 09:33 UTC');
	});
});

describe('USER_LIFECYCLE_NOTICES', () => {
	it('defaults to all, takes none or a list, refuses an unknown kind naming the variable', () => {
		expect([...parseNotices('all')]).toEqual([...NOTICE_KINDS]);
		expect([...parseNotices('')]).toEqual([...NOTICE_KINDS]);
		expect(parseNotices('none').size).toBe(0);
		expect([...parseNotices('new-device, Password-Changed')]).toEqual(['new-device', 'password-changed']);
		expect([...parseNotices(['tfa-disabled'])]).toEqual(['tfa-disabled']);
		expect(() => parseNotices('new-device,email-changed')).toThrow(ConfigError);
		expect(() => parseNotices('new-device,email-changed')).toThrow(/USER_LIFECYCLE_NOTICES/);
	});
});

describe('shipped templates', () => {
	it('have a subject in English and German, configured ones first', () => {
		const template = 'user-lifecycle-notice-new-device';
		const own = Object.fromEntries(NOTICE_TEMPLATES.map((shipped) => [shipped.name, { ...shipped.subjects }]));
		expect(pickSubject({}, template, 'de-DE', own)).toBe('Neue Anmeldung bei Ihrem Konto');
		expect(pickSubject({}, template, 'fr', own)).toBe('New sign-in to your account');
		expect(pickSubject({}, template, null, own)).toBe('New sign-in to your account');
		expect(pickSubject({ [template]: { fr: 'Nouvelle connexion' } }, template, 'fr-CA', own)).toBe('Nouvelle connexion');
		expect(NOTICE_TEMPLATES.map((shipped) => shipped.name)).toEqual(NOTICE_KINDS.map((kind) => `user-lifecycle-notice-${kind}`));
		for (const shipped of NOTICE_TEMPLATES) expect(shipped.source).toContain('{{ url }}');
	});
});

describe('link pages', () => {
	const copies = { en: { title: '', lead: '', button: '', done: '' }, de: { title: '', lead: '', button: '', done: '' } };
	it('speak the first of the browser\'s languages they know', () => {
		expect(pageLanguage({ headers: { 'accept-language': 'de-AT,de;q=0.9,en;q=0.8' } }, copies)).toBe('de');
		expect(pageLanguage({ headers: { 'accept-language': 'fr-FR,de;q=0.5' } }, copies)).toBe('de');
		expect(pageLanguage({ headers: { 'accept-language': 'fr' } }, copies)).toBe('en');
		expect(pageLanguage({ headers: {} }, copies)).toBe('en');
	});
});
