// Password reset's pure parts: the JWT (what the Data Studio reads, what we accept), the request
// bodies, the config block (the per-address mail throttle is tested in mail-throttle.test.ts).
import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { readResetToken, signResetToken } from '../../src/password-reset/token.js';
import { requestBody, resetBody } from '../../src/password-reset/schemas.js';
import { START_UP } from '../../src/capabilities.js';
import { ConfigError, loadConfig as loadWith, type Env } from '../../src/shared/config.js';

/** Every capability's settings, as the runtime loads them. */
const loadConfig = (env: Env) => loadWith(env, START_UP.settings);
import { parseInput } from '../../src/shared/input.js';
import { deriveKey, generateToken } from '../../src/shared/util/crypto.js';

const TOKEN_KEY = deriveKey('a-secret', 'tokens');
const rt = { key: () => TOKEN_KEY };

describe('reset token', () => {
	it('carries email and scope in a payload anyone can read (the Data Studio), and only its jti matters to the store', () => {
		const jti = generateToken();
		const token = signResetToken(rt, 'ada@example.com', jti, 3600);
		const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
		expect(payload).toMatchObject({ email: 'ada@example.com', scope: 'password-reset', jti, iss: 'directus' });
		expect(payload.exp - payload.iat).toBe(3600);
		expect(readResetToken(rt, token)).toEqual({ jti, email: 'ada@example.com' });
	});

	it('refuses what the host signed, other scopes, no jti, other algorithms (403), and says 401 only for an expired token of ours', () => {
		const host = jwt.sign({ email: 'a@example.com', scope: 'password-reset', hash: 'x' }, 'a-secret', { expiresIn: '1d', issuer: 'directus' });
		const invite = jwt.sign({ email: 'a@example.com', scope: 'invite' }, TOKEN_KEY, { expiresIn: 60, issuer: 'directus', jwtid: 'j' });
		const noJti = jwt.sign({ email: 'a@example.com', scope: 'password-reset' }, TOKEN_KEY, { expiresIn: 60, issuer: 'directus' });
		const otherIssuer = jwt.sign({ email: 'a@example.com', scope: 'password-reset' }, TOKEN_KEY, { expiresIn: 60, issuer: 'elsewhere', jwtid: 'j' });
		const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"email":"a@example.com","scope":"password-reset","jti":"j"}').toString('base64url')}.`;
		for (const token of [host, invite, noJti, otherIssuer, none, 'abc', '']) {
			expect(() => readResetToken(rt, token)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN', status: 403 }));
		}
		const expired = jwt.sign({ email: 'a@example.com', scope: 'password-reset', exp: Math.floor(Date.now() / 1000) - 5 }, TOKEN_KEY, { issuer: 'directus', jwtid: 'j' });
		expect(() => readResetToken(rt, expired)).toThrow(expect.objectContaining({ code: 'TOKEN_EXPIRED', status: 401 }));
		const forgedExpired = jwt.sign({ email: 'a@example.com', scope: 'password-reset', exp: Math.floor(Date.now() / 1000) - 5 }, 'a-secret', { issuer: 'directus', jwtid: 'j' });
		expect(() => readResetToken(rt, forgedExpired)).toThrow(expect.objectContaining({ code: 'INVALID_TOKEN' }));
	});
});

describe('reset bodies', () => {
	it('takes the host\'s shapes: reset_url "" or null is none; unknown keys and bad values are 400', () => {
		expect(parseInput(requestBody, { email: 'a@example.com' })).toEqual({ email: 'a@example.com', reset_url: undefined });
		expect(parseInput(requestBody, { email: 'a@example.com', reset_url: '' }).reset_url).toBeUndefined();
		expect(parseInput(requestBody, { email: 'a@example.com', reset_url: null }).reset_url).toBeUndefined();
		expect(parseInput(requestBody, { email: 'a@example.com', reset_url: 'https://app.example.com/r' }).reset_url).toBe('https://app.example.com/r');
		for (const body of [{}, { email: 'nope' }, { email: 'a@example.com', reset_url: 'javascript:x' }, { email: 'a@example.com', x: 1 }, null, []]) {
			expect(() => parseInput(requestBody, body)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		}
		for (const body of [{ token: 'a' }, { password: 'b' }, { token: '', password: 'b' }, { token: 'a', password: 1 }, { token: 'a', password: 'b', email: 'c' }]) {
			expect(() => parseInput(resetBody, body)).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
		}
	});
});

describe('reset config', () => {
	it('has the documented defaults and refuses bad values naming the variable', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({ resetTokenTtlMs: 3_600_000, mailMaxPerHour: 5, resetStallMs: 500, resetRateLimit: { points: 10, windowMs: 60_000 }, resetUrlAllowList: [] });
		expect(loadConfig({ USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0' }).resetRateLimit).toBeNull();
		expect(loadConfig({ PASSWORD_RESET_URL_ALLOW_LIST: 'https://a.example.com/r,https://b.example.com/r' }).resetUrlAllowList).toHaveLength(2);
		for (const [name, value] of [
			['USER_LIFECYCLE_RESET_TOKEN_TTL', 'soon'],
			['USER_LIFECYCLE_RESET_TOKEN_TTL', '10ms'],
			['USER_LIFECYCLE_RESET_MAX_PER_HOUR', '0'],
			['USER_LIFECYCLE_RESET_MAX_PER_HOUR', 'many'],
			['USER_LIFECYCLE_RESET_STALL_TIME', '-1'],
			['USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE', '2.5'],
		]) {
			expect(() => loadConfig({ [name!]: value })).toThrow(ConfigError);
			expect(() => loadConfig({ [name!]: value })).toThrow(name);
		}
	});
});
