// Small, pure and boring: every secret comes from node:crypto; only hashes are stored.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

/** A random token of `bytes` bytes (default 32 = 256 bits), URL-safe. */
export function generateToken(bytes = 32): string {
	return randomBytes(bytes).toString('base64url');
}

/** SHA-256 of a high-entropy token: enough for lookup, nothing to brute-force. */
export function hashToken(token: string): string {
	return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A key for one purpose, derived from the host's SECRET, so our keys never equal the host's. */
export function deriveKey(secret: string, purpose: string): Buffer {
	return createHmac('sha256', secret).update(`directus-extension-user-lifecycle:${purpose}`).digest();
}

export function newId(): string {
	return randomUUID();
}

let lastMillis = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, a 12-bit counter that keeps the ids one
 * process makes in one millisecond in order (method 1 of §6.2), and 62 random bits. For rows
 * written in bulk to append-only tables (the audit trail, the outbox): each insert lands at the
 * end of the primary-key index instead of on a random page of it, so a 1,000-row insert dirties
 * a few pages, not hundreds (bench/: on SQLite 65 -> 43 ms at 40,000 audit rows), and rows
 * written in the same millisecond sort by id in the order they were made.
 */
export function orderedId(now = Date.now()): string {
	if (now > lastMillis) {
		lastMillis = now;
		counter = 0;
	} else if (++counter > 0xfff) {
		// 4,096 ids in one millisecond: borrow the next one (the clock catches up).
		lastMillis++;
		counter = 0;
	}
	const time = lastMillis.toString(16).padStart(12, '0');
	// The random v4 UUID's tail keeps its variant bits (10xx) and 62 random bits.
	return `${time.slice(0, 8)}-${time.slice(8)}-7${counter.toString(16).padStart(3, '0')}${randomUUID().slice(18)}`;
}

/** AES-256-GCM, for data at rest that must be readable again (a queued mail's link). */
export function seal(key: Buffer, plaintext: string): string {
	const iv = randomBytes(12);
	const cipher = createCipheriv('aes-256-gcm', key, iv);
	const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
	return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

export function unseal(key: Buffer, sealed: string): string {
	const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
	if (!iv || !tag || !body) throw new Error('sealed value is malformed');
	const decipher = createDecipheriv('aes-256-gcm', key, iv);
	decipher.setAuthTag(tag);
	return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}
