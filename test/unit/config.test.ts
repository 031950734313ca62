import { describe, expect, it } from 'vitest';
import { START_UP } from '../../src/capabilities.js';
import { ConfigError, loadConfig as loadWith, readDuration as parseDuration, type Env } from '../../src/shared/config.js';

/** Every capability's settings, as the runtime loads them. */
const loadConfig = (env: Env) => loadWith(env, START_UP.settings);

describe('loadConfig', () => {
	it('applies the documented defaults', () => {
		const config = loadConfig({ PUBLIC_URL: 'https://cms.example.com' });
		expect(config.otpMaxAttempts).toBe(5);
		expect(config.otpLockMs).toBe(15 * 60_000);
		expect(config.recoveryCodeCount).toBe(10);
		expect(config.nativeRoutes).toBe(true);
		expect(config.inviteTokenTtlMs).toBe(7 * 86_400_000);
		expect(config.verificationTokenTtlMs).toBe(7 * 86_400_000);
		expect(config.registerStallMs).toBe(750);
		expect(config.registerRules).toEqual([]);
		expect(config.registerFields).toEqual([]);
		expect(config.transitions.active.suspended).toBe('yes');
		expect(config.loginMaxAttempts).toBe(10);
		expect(config.loginLockMs).toBe(15 * 60_000);
	});

	it('the login lock: 0 attempts turns it off; durations in the host\'s notation', () => {
		const config = loadConfig({ USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '0', USER_LIFECYCLE_LOGIN_LOCK_DURATION: '90s' });
		expect(config.loginMaxAttempts).toBe(0);
		expect(config.loginLockMs).toBe(90_000);
	});

	it('reads the host env as the host typed it', () => {
		const config = loadConfig({
			USER_INVITE_URL_ALLOW_LIST: ['https://a.example.com/accept', 'https://b.example.com/accept'],
			USER_REGISTER_URL_ALLOW_LIST: 'https://a.example.com/verify',
			REGISTER_STALL_TIME: 300,
			USER_LIFECYCLE_NATIVE_ROUTES: false,
			USER_LIFECYCLE_OTP_LOCK_DURATION: '2s',
			USER_LIFECYCLE_REGISTER_FIELDS: ['title', 'location'],
			USER_LIFECYCLE_TRANSITIONS: { active: { draft: 'yes' } },
		});
		expect(config.inviteUrlAllowList).toHaveLength(2);
		expect(config.registerUrlAllowList).toEqual(['https://a.example.com/verify']);
		expect(config.registerStallMs).toBe(300);
		expect(config.nativeRoutes).toBe(false);
		expect(config.otpLockMs).toBe(2000);
		expect(config.registerFields).toEqual(['title', 'location']);
		expect(config.transitions.active.draft).toBe('yes');
	});

	it.each([
		['USER_LIFECYCLE_OTP_MAX_ATTEMPTS', 'zero'],
		['USER_LIFECYCLE_OTP_MAX_ATTEMPTS', 0],
		['USER_LIFECYCLE_OTP_LOCK_DURATION', 'soon'],
		['USER_LIFECYCLE_RECOVERY_CODES', 5],
		['USER_LIFECYCLE_NATIVE_ROUTES', 'maybe'],
		['USER_LIFECYCLE_REGISTER_RULES', '{not json'],
		['USER_LIFECYCLE_REGISTER_RULES', '[{"filter":{},"action":"perhaps"}]'],
		['USER_LIFECYCLE_REGISTER_FIELDS', 'role'],
		['USER_LIFECYCLE_REGISTER_FIELDS', 'bad-name'],
		['USER_LIFECYCLE_TRANSITIONS', '{"active":{"invited":"sometimes"}}'],
		['USER_LIFECYCLE_SCHEDULE', 'every minute'],
		['USER_INVITE_TOKEN_TTL', 'forever'],
		['USER_LIFECYCLE_ENFORCE_TFA', 'yes'],
		['USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS', 1],
		['USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS', -1],
		['USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS', 'ten'],
		['USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS', 2.5],
		['USER_LIFECYCLE_LOGIN_LOCK_DURATION', 'a while'],
		['USER_LIFECYCLE_LOGIN_LOCK_DURATION', '10ms'],
	])('a bad %s (%j) stops start-up with a message naming it', (name, value) => {
		let error: unknown;
		try {
			loadConfig({ [name]: value });
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(ConfigError);
		expect((error as ConfigError).variable).toBe(name);
		expect((error as Error).message).toContain(name);
	});
});

describe('two-factor enforcement knobs', () => {
	it('default to enforced, static tokens exempt; both can be turned', () => {
		expect(loadConfig({})).toMatchObject({ enforceTfa: true, enforceTfaStaticTokens: false });
		expect(loadConfig({ USER_LIFECYCLE_ENFORCE_TFA: false, USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS: 'true' })).toMatchObject({ enforceTfa: false, enforceTfaStaticTokens: true });
	});
});

// Read as the host reads its TTLs (the `ms` package): "5 years" is a duration there too.
describe('parseDuration', () => {
	it.each([
		['15m', 900_000],
		['7d', 604_800_000],
		['500ms', 500],
		['2s', 2000],
		[1500, 1500],
		['1500', 1500],
		['1.5h', 5_400_000],
	])('%j → %d ms', (input, ms) => expect(parseDuration(input)).toBe(ms));
	it.each([['soon'], [''], [-1], ['5 eons'], [null]])('%j → null', (input) => expect(parseDuration(input)).toBeNull());
});
