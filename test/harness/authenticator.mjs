// A software authenticator for the tests and the bench: ECDSA P-256 keys from node:crypto, the
// answers a browser hands a page (RegistrationResponseJSON with attestation `none`,
// AuthenticationResponseJSON), built with @simplewebauthn/server's own helpers for CBOR, COSE and
// base64url (nothing encoded by hand). Every field a test may want wrong (origin, RP id,
// challenge, counter, user verification, user handle) can be overridden.
// Plain JavaScript (JSDoc types) so that bench/run.mjs, which runs without a TypeScript loader,
// uses the very same authenticator as the tests.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { cose, isoBase64URL, isoCBOR, isoUint8Array } from '@simplewebauthn/server/helpers';

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

/**
 * @typedef {object} Credential
 * @property {string} id base64url credential id
 * @property {import('node:crypto').KeyObject} privateKey
 * @property {Uint8Array} publicKey COSE public key
 * @property {string} rpId
 * @property {string} userHandle base64url (the options' `user.id`)
 * @property {number} counter the last signature counter sent
 */

const sha256 = (/** @type {Uint8Array | string} */ data) => new Uint8Array(createHash('sha256').update(data).digest());
const b64 = (/** @type {Uint8Array} */ bytes) => isoBase64URL.fromBuffer(bytes);

function uint32(/** @type {number} */ value) {
	const bytes = new Uint8Array(4);
	new DataView(bytes.buffer).setUint32(0, value >>> 0);
	return bytes;
}

function clientData(/** @type {string} */ type, /** @type {string} */ challenge, /** @type {string} */ origin) {
	return b64(isoUint8Array.fromUTF8String(JSON.stringify({ type, challenge, origin, crossOrigin: false })));
}

function flags(/** @type {{ up?: boolean, uv?: boolean, backedUp?: boolean, attested?: boolean }} */ f) {
	return (f.up === false ? 0 : FLAG_UP) | (f.uv === false ? 0 : FLAG_UV) | (f.backedUp ? FLAG_BE | FLAG_BS : 0) | (f.attested ? FLAG_AT : 0);
}

/**
 * Keys and authenticator data as a platform authenticator makes them.
 * `userVerification`: whether it verifies its user (PIN, biometrics) by default.
 */
export class SoftAuthenticator {
	/** @type {Credential[]} */
	credentials = [];

	/** @param {{ origin: string, userVerification?: boolean, backedUp?: boolean, idBytes?: number }} options */
	constructor({ origin, userVerification = true, backedUp = false, idBytes = 32 }) {
		this.origin = origin;
		this.userVerification = userVerification;
		this.backedUp = backedUp;
		this.idBytes = idBytes;
	}

	/**
	 * Answers registration options (PublicKeyCredentialCreationOptionsJSON) with a new credential.
	 * @param {any} options
	 * @param {{ origin?: string, rpId?: string, challenge?: string, uv?: boolean, type?: string }} [override]
	 */
	register(options, override = {}) {
		const rpId = override.rpId ?? options.rp.id;
		const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		const jwk = publicKey.export({ format: 'jwk' });
		const coseKey = new Map();
		coseKey.set(cose.COSEKEYS.kty, cose.COSEKTY.EC2);
		coseKey.set(cose.COSEKEYS.alg, cose.COSEALG.ES256);
		coseKey.set(cose.COSEKEYS.crv, cose.COSECRV.P256);
		coseKey.set(cose.COSEKEYS.x, isoBase64URL.toBuffer(String(jwk.x)));
		coseKey.set(cose.COSEKEYS.y, isoBase64URL.toBuffer(String(jwk.y)));
		const cosePublicKey = isoCBOR.encode(coseKey);
		const credentialId = new Uint8Array(randomBytes(this.idBytes));
		/** @type {Credential} */
		const credential = { id: b64(credentialId), privateKey, publicKey: cosePublicKey, rpId: options.rp.id, userHandle: options.user.id, counter: 0 };
		const idLength = new Uint8Array([credentialId.length >> 8, credentialId.length & 0xff]);
		const authData = isoUint8Array.concat([
			sha256(rpId),
			new Uint8Array([flags({ uv: override.uv ?? this.userVerification, backedUp: this.backedUp, attested: true })]),
			uint32(0),
			new Uint8Array(16), // AAGUID: none (attestation "none")
			idLength,
			credentialId,
			cosePublicKey,
		]);
		const attestation = new Map();
		attestation.set('fmt', 'none');
		attestation.set('attStmt', new Map());
		attestation.set('authData', authData);
		this.credentials.push(credential);
		return {
			credential,
			response: {
				id: credential.id,
				rawId: credential.id,
				type: 'public-key',
				response: {
					clientDataJSON: clientData(override.type ?? 'webauthn.create', override.challenge ?? options.challenge, override.origin ?? this.origin),
					attestationObject: b64(isoCBOR.encode(attestation)),
					transports: ['internal'],
				},
				clientExtensionResults: {},
				authenticatorAttachment: 'platform',
			},
		};
	}

	/**
	 * Answers sign-in options (PublicKeyCredentialRequestOptionsJSON): with the credential named, or
	 * the first one `allowCredentials` lists, or (discoverable) the first for the RP id.
	 * @param {any} options
	 * @param {{ credential?: Credential, origin?: string, rpId?: string, challenge?: string, uv?: boolean, counter?: number, userHandle?: string | null, type?: string }} [override]
	 */
	signIn(options, override = {}) {
		const allowed = (options.allowCredentials ?? []).map((/** @type {{ id: string }} */ c) => c.id);
		const credential =
			override.credential ??
			this.credentials.find((c) => (allowed.length > 0 ? allowed.includes(c.id) : c.rpId === options.rpId));
		if (!credential) throw new Error('no credential of this authenticator fits these options');
		const counter = override.counter ?? credential.counter + 1;
		credential.counter = Math.max(credential.counter, counter);
		const authData = isoUint8Array.concat([
			sha256(override.rpId ?? options.rpId),
			new Uint8Array([flags({ uv: override.uv ?? this.userVerification, backedUp: this.backedUp })]),
			uint32(counter),
		]);
		const clientDataJSON = clientData(override.type ?? 'webauthn.get', override.challenge ?? options.challenge, override.origin ?? this.origin);
		const signed = isoUint8Array.concat([authData, sha256(isoBase64URL.toBuffer(clientDataJSON))]);
		// ES256 signatures are DER-encoded (node's default for EC keys).
		const signature = new Uint8Array(sign('sha256', signed, credential.privateKey));
		const userHandle = override.userHandle === undefined ? credential.userHandle : override.userHandle;
		return {
			id: credential.id,
			rawId: credential.id,
			type: 'public-key',
			response: { clientDataJSON, authenticatorData: b64(authData), signature: b64(signature), ...(userHandle === null ? {} : { userHandle }) },
			clientExtensionResults: {},
			authenticatorAttachment: 'platform',
		};
	}
}
