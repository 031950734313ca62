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
