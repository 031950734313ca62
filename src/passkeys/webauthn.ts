// The WebAuthn ceremonies, all through @simplewebauthn/server (nothing hand-written): the relying
// party from the settings, options with a fresh challenge, and the checks of an authenticator's
// answer (origin, RP id, challenge, signature). No attestation is asked for and user
// verification is preferred, not required: whether it happened decides about the OTP.
import {
	generateAuthenticationOptions,
	generateRegistrationOptions,
	verifyAuthenticationResponse,
	verifyRegistrationResponse,
	type AuthenticationResponseJSON,
	type AuthenticatorTransportFuture,
	type PublicKeyCredentialCreationOptionsJSON,
	type PublicKeyCredentialRequestOptionsJSON,
	type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL, isoUint8Array } from '@simplewebauthn/server/helpers';
import { createHmac } from 'node:crypto';
import type { Runtime } from '../shared/runtime.js';
import { passkeysOff } from './errors.js';
import type { PasskeyRow } from './store.js';

/** How long a ceremony's challenge lives (and the browser's own timeout). */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface RelyingParty {
	id: string;
	origins: string[];
}

/** The relying party the settings give; passkeys are off (503) when they give none. */
export function relyingParty(rt: Runtime): RelyingParty {
	const id = rt.config.webauthnRpId;
	const origins = rt.config.webauthnOrigins;
	if (id === null || origins.length === 0) throw passkeysOff();
	return { id, origins };
}

/** The challenge an authenticator's answer signed (read from its client data), or null when unreadable. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string | null {
	try {
		const challenge = (decodeClientDataJSON(response.response.clientDataJSON) as { challenge?: unknown } | null)?.challenge;
		return typeof challenge === 'string' && challenge.length > 0 && challenge.length <= 512 ? challenge : null;
	} catch {
		return null;
	}
}

export interface Registrant {
	id: string;
	email: string | null;
	displayName: string;
}

export function registrationOptions(rp: RelyingParty, rpName: string, user: Registrant, existing: readonly PasskeyRow[]): Promise<PublicKeyCredentialCreationOptionsJSON> {
	return generateRegistrationOptions({
		rpName,
		rpID: rp.id,
		userName: user.email ?? `user_${user.id}`,
		// The user handle an authenticator keeps: the user's id, nothing personal.
		userID: isoUint8Array.fromUTF8String(user.id),
		userDisplayName: user.displayName,
		attestationType: 'none',
		excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports as AuthenticatorTransportFuture[] })),
		// Discoverable where the authenticator can (sign-in without an email), not required of it.
		authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
		timeout: CHALLENGE_TTL_MS,
	});
}

export function signInOptions(rp: RelyingParty, allowCredentials: { id: string; transports: string[] }[] | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
	return generateAuthenticationOptions({
		rpID: rp.id,
		...(allowCredentials ? { allowCredentials: allowCredentials.map((c) => ({ id: c.id, transports: c.transports as AuthenticatorTransportFuture[] })) } : {}),
		userVerification: 'preferred',
		timeout: CHALLENGE_TTL_MS,
	});
}

export interface NewCredential {
	credentialId: string;
	publicKey: string;
	counter: number;
	backedUp: boolean;
}

/** The new credential, when the answer is for `challenge`, from an allowed origin, for our RP id; else null. */
export async function checkRegistration(rp: RelyingParty, response: RegistrationResponseJSON, challenge: string): Promise<NewCredential | null> {
	try {
		const result = await verifyRegistrationResponse({ response, expectedChallenge: challenge, expectedOrigin: rp.origins, expectedRPID: rp.id, requireUserVerification: false });
		if (!result.verified) return null;
		const { credential, credentialBackedUp } = result.registrationInfo;
		return { credentialId: credential.id, publicKey: isoBase64URL.fromBuffer(credential.publicKey), counter: credential.counter, backedUp: credentialBackedUp };
	} catch {
		// A malformed or forged answer: the library says why, the caller learns nothing more.
		return null;
	}
}

export interface Assertion {
	counter: number;
	userVerified: boolean;
	backedUp: boolean;
}

/**
 * The assertion's facts, when it is for `challenge`, from an allowed origin, for our RP id and
 * signed by `passkey`'s key; else null. The counter is compared by the caller (a regression is
 * recorded, and only after the signature proved the key signed it).
 */
export async function checkAssertion(rp: RelyingParty, response: AuthenticationResponseJSON, challenge: string, passkey: PasskeyRow): Promise<Assertion | null> {
	try {
		const result = await verifyAuthenticationResponse({
			response,
			expectedChallenge: challenge,
			expectedOrigin: rp.origins,
			expectedRPID: rp.id,
			// Counter 0 here: the library would refuse a regression before checking the signature.
			credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: 0, transports: passkey.transports as AuthenticatorTransportFuture[] },
			requireUserVerification: false,
		});
		if (!result.verified) return null;
		const info = result.authenticationInfo;
		return { counter: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
	} catch {
		return null;
	}
}

/** The user id an assertion's user handle names (discoverable credentials send one), or null. */
export function userHandleOf(response: AuthenticationResponseJSON): string | null {
	const handle = response.response.userHandle;
	if (!handle) return null;
	try {
		return isoBase64URL.toUTF8String(handle);
	} catch {
		return null;
	}
}

/** A signature counter that did not move forward (0 stays 0 for authenticators without one). */
export const counterRegressed = (stored: number, received: number) => (received > 0 || stored > 0) && received <= stored;

const DECOY_TRANSPORTS: readonly string[][] = [['hybrid', 'internal'], ['internal'], ['usb'], ['nfc', 'usb']];

/**
 * Made-up credentials for an email without passkeys to show (unknown, not active, none
 * registered): stable for the address (keyed by the server's key, so nobody can tell them from
 * real ones by computing them), one or sometimes two, shaped like an authenticator's.
 */
export function decoyCredentials(key: Buffer, email: string): { id: string; transports: string[] }[] {
	const address = email.trim().toLowerCase();
	const seed = createHmac('sha256', key).update(`decoys:${address}`).digest();
	const count = seed[0]! % 4 === 0 ? 2 : 1;
	return Array.from({ length: count }, (_, i) => ({
		id: createHmac('sha256', key).update(`decoy:${i}:${address}`).digest('base64url'),
		transports: DECOY_TRANSPORTS[seed[1 + i]! % DECOY_TRANSPORTS.length]!,
	}));
}
