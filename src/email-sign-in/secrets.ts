// The two secrets of one sign-in request, for the same pending request: the link's token (256
// random bits, stored as its SHA-256: enough for a lookup, nothing to brute-force) and the 6-digit
// code (20 bits: stored as an HMAC keyed from SECRET and bound to its request, so a database dump
// alone can't try the million codes; compared in constant time). Neither is ever logged.
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Runtime } from '../shared/runtime.js';
import { generateToken, hashToken } from '../shared/util/crypto.js';

export const CODE_DIGITS = 6;

export function newLinkToken(): string {
	return generateToken();
}

export const hashLinkToken = hashToken;

export function newCode(): string {
	return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

export function hashCode(rt: Pick<Runtime, 'key'>, requestId: string, code: string): string {
	return createHmac('sha256', rt.key('email-sign-in-codes')).update(`${requestId}:${code}`).digest('hex');
}

/** Whether `code` is the request's, in constant time (both sides are HMACs of the same length). */
export function codeMatches(rt: Pick<Runtime, 'key'>, request: { id: string; codeHash: string }, code: string): boolean {
	const expected = Buffer.from(request.codeHash, 'hex');
	const given = Buffer.from(hashCode(rt, request.id, code), 'hex');
	return expected.length === given.length && timingSafeEqual(expected, given);
}
