// The tests' software authenticator speaks WebAuthn as @simplewebauthn/server reads it: its
// registrations and assertions verify, and each field a test bends is refused.
import { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { describe, expect, it } from 'vitest';
import { SoftAuthenticator } from '../harness/authenticator.mjs';

const ORIGIN = 'https://app.example.com';
const RP_ID = 'app.example.com';

async function registered(authenticator = new SoftAuthenticator({ origin: ORIGIN })) {
	const options = await generateRegistrationOptions({ rpName: 'Test', rpID: RP_ID, userName: 'ada@example.com', userID: new TextEncoder().encode('user-1'), attestationType: 'none' });
	const { credential, response } = authenticator.register(options);
	const result = await verifyRegistrationResponse({ response: response as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false });
	return { authenticator, credential, result };
}

describe('the software authenticator', () => {
	it('registers a credential that verifyRegistrationResponse accepts (attestation none, ES256)', async () => {
		const { credential, result } = await registered();
		expect(result.verified).toBe(true);
		expect(result.registrationInfo!.fmt).toBe('none');
		expect(result.registrationInfo!.credential.id).toBe(credential.id);
		expect(result.registrationInfo!.userVerified).toBe(true);
	});

	it('signs assertions that verifyAuthenticationResponse accepts, its counter moving on', async () => {
		const { authenticator, result } = await registered();
		const stored = result.registrationInfo!.credential;
		for (const expected of [1, 2]) {
			const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: stored.id }] });
			const response = authenticator.signIn(options);
			const verified = await verifyAuthenticationResponse({ response: response as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential: { ...stored, counter: expected - 1 } });
			expect(verified.verified).toBe(true);
			expect(verified.authenticationInfo.newCounter).toBe(expected);
			expect(new TextDecoder().decode(Buffer.from(response.response.userHandle!, 'base64url'))).toBe('user-1');
		}
	});

	it('answers discoverable options (no allowCredentials) with its credential for the RP id', async () => {
		const { authenticator, result } = await registered();
		const options = await generateAuthenticationOptions({ rpID: RP_ID });
		const response = authenticator.signIn(options);
		expect(response.id).toBe(result.registrationInfo!.credential.id);
	});

	it('a bent field is refused: origin, RP id, challenge, signature, user verification', async () => {
		const { authenticator, result } = await registered(new SoftAuthenticator({ origin: ORIGIN, userVerification: false }));
		const stored = result.registrationInfo!.credential;
		const verify = async (override: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
			const options = await generateAuthenticationOptions({ rpID: RP_ID });
			const response = authenticator.signIn(options, override);
			return verifyAuthenticationResponse({ response: response as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential: stored, requireUserVerification: false, ...extra });
		};
		await expect(verify({ origin: 'https://evil.example.net' })).rejects.toThrow(/origin/);
		await expect(verify({ rpId: 'evil.example.net' })).rejects.toThrow(/RP ID/);
		await expect(verify({ challenge: 'bm90LXRoZS1jaGFsbGVuZ2U' })).rejects.toThrow(/challenge/);
		await expect(verify({}, { requireUserVerification: true })).rejects.toThrow(/verif/);
		const other = new SoftAuthenticator({ origin: ORIGIN });
		const { credential: foreign } = other.register(await generateRegistrationOptions({ rpName: 'Test', rpID: RP_ID, userName: 'x' }));
		const options = await generateAuthenticationOptions({ rpID: RP_ID });
		const forged = other.signIn(options, { credential: { ...foreign, id: stored.id } });
		const outcome = await verifyAuthenticationResponse({ response: forged as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential: stored, requireUserVerification: false }).catch(() => ({ verified: false }));
		expect(outcome.verified).toBe(false);
	});
});
