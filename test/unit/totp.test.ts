import { totp } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
	generateTotpSecret,
	isBase32Secret,
	matchTotpStep,
	otpauthUrl,
	timeStep,
	totpAt,
} from '../../src/two-factor/totp.js';
import { generateRecoveryCodes, normalizeRecoveryCode } from '../../src/two-factor/recovery-codes.js';

// RFC 6238 appendix B, SHA-1 rows: the seed is the ASCII string "12345678901234567890".
const RFC_SEED = '12345678901234567890';
const RFC_SEED_BASE32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_VECTORS: [number, string][] = [
	[59, '94287082'],
	[1111111109, '07081804'],
	[1111111111, '14050471'],
	[1234567890, '89005924'],
	[2000000000, '69279037'],
	[20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
	it.each(RFC_VECTORS)('otplib matches the RFC 6238 SHA-1 vector at T=%i', (seconds, expected) => {
		const rfc = totp.clone({ digits: 8, step: 30, algorithm: 'sha1' as never, encoding: 'ascii' as never, epoch: seconds * 1000 });
		expect(rfc.generate(RFC_SEED)).toBe(expected);
	});

	it.each(RFC_VECTORS)('our 6-digit configuration gives the vector\'s last 6 digits at T=%i', (seconds, expected) => {
		const now = seconds * 1000;
		const code = totpAt(RFC_SEED_BASE32, now);
		expect(code).toBe(expected.slice(-6));
		expect(matchTotpStep(code, RFC_SEED_BASE32, now)).toBe(timeStep(now));
	});

	it('accepts one step either side, names the step, refuses further away', () => {
		const now = 1_111_111_111_000;
		const previous = totpAt(RFC_SEED_BASE32, now - 30_000);
		const next = totpAt(RFC_SEED_BASE32, now + 30_000);
		const old = totpAt(RFC_SEED_BASE32, now - 60_000);
		expect(matchTotpStep(previous, RFC_SEED_BASE32, now)).toBe(timeStep(now) - 1);
		expect(matchTotpStep(next, RFC_SEED_BASE32, now)).toBe(timeStep(now) + 1);
		expect(matchTotpStep(old, RFC_SEED_BASE32, now)).toBeNull();
		expect(matchTotpStep(previous, RFC_SEED_BASE32, now, 0)).toBeNull();
	});

	it('refuses malformed codes and secrets without throwing', () => {
		for (const code of ['', '12345', '1234567', 'abcdef', ' 123456', '12345a']) expect(matchTotpStep(code, RFC_SEED_BASE32, 59_000)).toBeNull();
		expect(matchTotpStep('287082', 'not base32!', 59_000)).toBeNull();
		expect(matchTotpStep('287082', '', 59_000)).toBeNull();
	});

	it('makes 160-bit base32 secrets and otpauth URLs with the issuer', () => {
		const secret = generateTotpSecret();
		expect(isBase32Secret(secret)).toBe(true);
		expect(secret).toHaveLength(32);
		const url = new URL(otpauthUrl('ada@example.com', 'My Project', secret));
		expect(url.protocol).toBe('otpauth:');
		expect(url.searchParams.get('issuer')).toBe('My Project');
		expect(url.searchParams.get('secret')).toBe(secret);
	});
});

describe('recovery codes', () => {
	it('are distinct, 10 symbols of a 32-letter alphabet (50 bits), and normalise forgivingly', () => {
		const codes = generateRecoveryCodes(1000);
		expect(new Set(codes).size).toBe(1000);
		for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
		const symbols = new Set(codes.join('').replace(/-/g, ''));
		expect(symbols.size).toBe(32); // log2(32^10) = 50 bits
		const code = codes[0]!;
		expect(normalizeRecoveryCode(code.toLowerCase())).toBe(code.replace('-', ''));
		expect(normalizeRecoveryCode(` ${code.replace('-', ' ')} `)).toBe(code.replace('-', ''));
		for (const bad of ['', 'ABCDE', 'ABCDE-FGHIJK', 'ABCDE-FGHU1', '!!!!!-!!!!!']) expect(normalizeRecoveryCode(bad)).toBeNull();
	});
});
