// Passkeys' request bodies and path parameters. A ceremony's `response` is what
// @simplewebauthn/browser hands a page (base64url fields); keys a newer browser may add are
// dropped, the body itself takes no unknown key.
import { email, pathId, text, uuid, z } from '../shared/input.js';

const CODE_MAX = 64;
/** Credential ids are at most 1,023 bytes (WebAuthn): 1,364 base64url characters. */
const CREDENTIAL_ID_MAX = 1364;
const b64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+={0,2}$/, { error: 'must be base64url' });
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
const attachment = z.enum(['platform', 'cross-platform']).nullable().optional().transform((value) => value ?? undefined);
const extensionResults = z.record(z.string(), z.unknown()).optional().transform((value) => value ?? {});

const credential = {
	id: b64url(CREDENTIAL_ID_MAX),
	rawId: b64url(CREDENTIAL_ID_MAX),
	type: z.literal('public-key', { error: 'must be "public-key"' }),
	authenticatorAttachment: attachment,
	clientExtensionResults: extensionResults,
};

export const registrationResponse = z.object({
	...credential,
	response: z.object({
		clientDataJSON: b64url(8192),
		attestationObject: b64url(65_536),
		authenticatorData: b64url(65_536).optional(),
		// Unknown transports are dropped, not refused: the list only hints the browser later.
		transports: z
			.array(z.string().max(32))
			.max(10)
			.optional()
			.transform((list) => [...new Set((list ?? []).filter((t): t is (typeof TRANSPORTS)[number] => (TRANSPORTS as readonly string[]).includes(t)))]),
		publicKeyAlgorithm: z.number().int().optional(),
		publicKey: b64url(65_536).optional(),
	}),
});

export const authenticationResponse = z.object({
	...credential,
	response: z.object({
		clientDataJSON: b64url(8192),
		authenticatorData: b64url(65_536),
		signature: b64url(2048),
		userHandle: b64url(1024).nullable().optional().transform((value) => value ?? undefined),
	}),
});

const password = text();
const otp = text(CODE_MAX);
const name = text(100);

/** A fresh proof of identity: a password or a code (or none, when a passkey sign-in of this session is fresh). */
export const proofBody = z.strictObject({ password: password.optional(), otp: otp.optional() });
/** A body that is the proof, or nothing at all (a DELETE's, an options request's). */
export const optionalProofBody = z.preprocess((body) => body ?? {}, proofBody);
export const registrationBody = z.strictObject({ response: registrationResponse, name: name.optional() });
export const renameBody = z.strictObject({ name });
export const signInOptionsBody = z.strictObject({ email: email().optional() });
export const signInBody = z.strictObject({
	response: authenticationResponse,
	mode: z.enum(['json', 'cookie', 'session']).default('json'),
	otp: otp.optional(),
});

export const passkeyParam = pathId('id');
export const userPasskeyParams = z.object({ id: uuid(), passkey: uuid() });
