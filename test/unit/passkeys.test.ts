// Passkeys' pure parts: the relying party read from the settings, the made-up credentials an
// address without passkeys gets, the counter rule.
import { describe, expect, it } from 'vitest';
import { START_UP } from '../../src/capabilities.js';
import { ConfigError, loadConfig, type Env } from '../../src/shared/config.js';
import { counterRegressed, decoyCredentials } from '../../src/passkeys/webauthn.js';

const load = (env: Env) => loadConfig(env, START_UP.settings);

describe('the relying party settings', () => {
	it("default to PUBLIC_URL's host and origin; 60 sign-in requests per IP and minute; email links off", () => {
		const config = load({ PUBLIC_URL: 'https://CMS.example.com:8443/directus/' });
		expect(config.webauthnRpId).toBe('cms.example.com');
		expect(config.webauthnOrigins).toEqual(['https://cms.example.com:8443']);
		expect(config.passkeyRateLimit).toEqual({ points: 60, windowMs: 60_000 });
		expect(config.emailSignIn).toBe(false);
	});

	it('take an RP id and origins on it or under it', () => {
		const config = load({
			PUBLIC_URL: 'https://cms.example.com',
			USER_LIFECYCLE_WEBAUTHN_RP_ID: 'example.com',
			USER_LIFECYCLE_WEBAUTHN_ORIGINS: 'https://app.example.com,https://example.com/',
			USER_LIFECYCLE_PASSKEY_IP_MAX_PER_MINUTE: '0',
			USER_LIFECYCLE_EMAIL_SIGN_IN: 'true',
		});
		expect(config.webauthnRpId).toBe('example.com');
		expect(config.webauthnOrigins).toEqual(['https://app.example.com', 'https://example.com']);
		expect(config.passkeyRateLimit).toBeNull();
		expect(config.emailSignIn).toBe(true);
	});

	it('stop the extension, naming the variable, for a bad RP id or origin', () => {
		for (const env of [
			{ USER_LIFECYCLE_WEBAUTHN_RP_ID: 'https://example.com' },
			{ USER_LIFECYCLE_WEBAUTHN_RP_ID: 'example.com:443' },
			{ USER_LIFECYCLE_WEBAUTHN_RP_ID: 'example.com', USER_LIFECYCLE_WEBAUTHN_ORIGINS: 'https://evil.example.net' },
			{ USER_LIFECYCLE_WEBAUTHN_RP_ID: 'example.com', USER_LIFECYCLE_WEBAUTHN_ORIGINS: 'https://notexample.com' },
			{ USER_LIFECYCLE_WEBAUTHN_ORIGINS: 'https://example.com/path' },
			{ USER_LIFECYCLE_WEBAUTHN_ORIGINS: 'example.com' },
			{ USER_LIFECYCLE_PASSKEY_IP_MAX_PER_MINUTE: '-1' },
		]) {
			expect(() => load({ PUBLIC_URL: 'https://example.com', ...env }), JSON.stringify(env)).toThrow(ConfigError);
		}
		expect(() => load({ USER_LIFECYCLE_WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(/USER_LIFECYCLE_WEBAUTHN_RP_ID/);
	});

	it('give no relying party without an absolute PUBLIC_URL (passkeys answer 503), nor for an IPv6 host', () => {
		for (const PUBLIC_URL of ['/', undefined, 'http://[::1]:8055']) {
			const config = load({ PUBLIC_URL });
			expect(config.webauthnRpId).toBeNull();
			if (PUBLIC_URL !== 'http://[::1]:8055') expect(config.webauthnOrigins).toEqual([]);
		}
	});
});

describe('made-up credentials for an address with none to show', () => {
	const key = Buffer.alloc(32, 7);

	it('are the same for the address however it is spelt, and differ between addresses and keys', () => {
		const ada = decoyCredentials(key, 'ada@example.com');
		expect(decoyCredentials(key, ' ADA@example.com ')).toEqual(ada);
		expect(decoyCredentials(key, 'bob@example.com')[0]!.id).not.toBe(ada[0]!.id);
		expect(decoyCredentials(Buffer.alloc(32, 8), 'ada@example.com')[0]!.id).not.toBe(ada[0]!.id);
	});

	it('look like an authenticator\'s: one or two, 32-byte base64url ids, known transports', () => {
		const counts = new Set<number>();
		for (let i = 0; i < 200; i++) {
			const decoys = decoyCredentials(key, `user${i}@example.com`);
			counts.add(decoys.length);
			for (const decoy of decoys) {
				expect(decoy.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
				expect(decoy.transports.length).toBeGreaterThan(0);
				for (const transport of decoy.transports) expect(['internal', 'hybrid', 'usb', 'nfc']).toContain(transport);
			}
		}
		expect([...counts].sort()).toEqual([1, 2]);
	});
});

describe('the signature counter', () => {
	it('must move forward, unless the authenticator keeps none (0 stays 0)', () => {
		expect(counterRegressed(0, 0)).toBe(false);
		expect(counterRegressed(0, 1)).toBe(false);
		expect(counterRegressed(4, 5)).toBe(false);
		expect(counterRegressed(5, 5)).toBe(true);
		expect(counterRegressed(5, 3)).toBe(true);
		expect(counterRegressed(5, 0)).toBe(true);
	});
});
