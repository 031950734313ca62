// TOTP (RFC 6238) through otplib, configured as authenticator apps and the host expect: SHA-1,
// 6 digits, 30 s steps, base32 secrets. No storage here; the callers record what was accepted.
import type { AuthenticatorOptions } from '@otplib/core';
import { authenticator } from 'otplib';

export const STEP_SECONDS = 30;
/** Steps accepted either side of the current one on our routes (clock drift, slow typing). */
export const DEFAULT_WINDOW = 1;

const BASE_OPTIONS: Partial<AuthenticatorOptions<string>> = {
	algorithm: 'sha1' as AuthenticatorOptions<string>['algorithm'],
	digits: 6,
	step: STEP_SECONDS,
};

function configured(options: Partial<AuthenticatorOptions<string>> = {}) {
	return authenticator.clone({ ...BASE_OPTIONS, ...options });
}

export function timeStep(now: number): number {
	return Math.floor(now / 1000 / STEP_SECONDS);
}

/** Milliseconds left in the current step. */
export function msLeftInStep(now: number): number {
	return STEP_SECONDS * 1000 - (now % (STEP_SECONDS * 1000));
}

/** A new base32 secret (20 random bytes = 160 bits, as RFC 4226 recommends for SHA-1). */
export function generateTotpSecret(): string {
	return configured().generateSecret(20);
}

/** An otpauth:// URL for authenticator apps; the issuer is the project's name. */
export function otpauthUrl(accountName: string, issuer: string, secret: string): string {
	return configured().keyuri(accountName, issuer, secret);
}

export function isBase32Secret(value: string): boolean {
	return /^[A-Z2-7]{16,128}=*$/.test(value);
}

export function isOtpShape(value: string): boolean {
	return /^\d{6}$/.test(value);
}

/**
 * The time step a code belongs to, when it is valid at `now` within `window` steps either side;
 * null otherwise. The step is what replay protection records.
 */
export function matchTotpStep(code: string, secret: string, now: number, window = DEFAULT_WINDOW): number | null {
	if (!isOtpShape(code) || !isBase32Secret(secret)) return null;
	let delta: number | null;
	try {
		delta = configured({ epoch: now, window }).checkDelta(code, secret);
	} catch {
		return null;
	}
	return delta === null ? null : timeStep(now) + delta;
}

/** The code of the step that contains `now` (server-side use only, never sent out). */
export function totpAt(secret: string, now: number): string {
	return configured({ epoch: now }).generate(secret);
}
