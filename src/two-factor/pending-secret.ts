// The secret `generate` handed to a user, kept server-side until `enable` takes it (SPEC
// amendment: enable takes only that secret, so a stolen access token can't switch on an
// attacker's own second factor). Sealed at rest with AES-256-GCM under a key of its own, bound
// to the user it was made for.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Runtime } from '../shared/runtime.js';
import { deriveKey, seal, unseal } from '../shared/util/crypto.js';
import { putPendingSecret, readPendingSecret } from './store.js';

/**
 * A pending secret lives 10 minutes: time enough to scan the QR code and type one code, and a
 * secret nobody enabled is soon gone (the schedule deletes expired ones). A new `generate`
 * replaces it.
 */
export const PENDING_SECRET_TTL_MS = 10 * 60_000;

const keys = new WeakMap<Buffer, Buffer>();

/** This purpose's key, derived from the runtime's recovery-code key (itself derived from SECRET). */
export function pendingSecretKey(rt: Pick<Runtime, 'key'>): Buffer {
	const recoveryCodeKey = rt.key('recovery-codes');
	let key = keys.get(recoveryCodeKey);
	if (!key) {
		key = deriveKey(recoveryCodeKey.toString('hex'), 'pending-tfa-secret');
		keys.set(recoveryCodeKey, key);
	}
	return key;
}

/** The secret sealed together with its user: a row copied to another user doesn't open. */
export function sealPendingSecret(key: Buffer, userId: string, secret: string): string {
	return seal(key, `${userId}:${secret}`);
}

/** The secret in `sealed` when it was sealed for `userId` under `key`; null otherwise. */
export function openPendingSecret(key: Buffer, userId: string, sealed: string): string | null {
	let plain: string;
	try {
		plain = unseal(key, sealed);
	} catch {
		return null;
	}
	const prefix = `${userId}:`;
	return plain.startsWith(prefix) ? plain.slice(prefix.length) : null;
}

/** Constant-time equality of two strings of any length (compares their SHA-256). */
export function sameSecret(a: string, b: string): boolean {
	const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
	return timingSafeEqual(digest(a), digest(b));
}

/** Records the secret just handed to the user (replacing any earlier pending one). */
export async function rememberPendingSecret(rt: Runtime, userId: string, secret: string, now = Date.now()): Promise<void> {
	await putPendingSecret(rt.knex, userId, sealPendingSecret(pendingSecretKey(rt), userId, secret), now + PENDING_SECRET_TTL_MS, now);
}

/**
 * The sealed row when `secret` is the user's live pending secret (to consume it with
 * `consumePendingSecret`); null for any other secret, an expired one, or none.
 */
export async function matchPendingSecret(rt: Runtime, userId: string, secret: string, now = Date.now()): Promise<string | null> {
	const sealed = await readPendingSecret(rt.knex, userId, now);
	if (sealed === null) return null;
	const pending = openPendingSecret(pendingSecretKey(rt), userId, sealed);
	return pending !== null && sameSecret(pending, secret) ? sealed : null;
}
