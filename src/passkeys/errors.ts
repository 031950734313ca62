// Passkeys' refusals, declared once. Every refused sign-in is the host's 401 INVALID_CREDENTIALS
// (an unknown credential, a wrong origin or RP id, a spent challenge, a user who is not active
// look alike); a two-factor user whose passkey did not verify them gets the host's INVALID_OTP.
import { ForbiddenError, InvalidCredentialsError, InvalidPayloadError, RouteNotFoundError, ServiceUnavailableError } from '../shared/util/errors.js';

export const signInRefused = () => new InvalidCredentialsError();
/** An id that is not one of this user's passkeys: the host's 403, alike for another user's and a made-up one. */
export const passkeyNotFound = () => new ForbiddenError();
export const proofRequired = () =>
	new InvalidPayloadError({ reason: 'Confirm it is you: send "password" or "otp" (or sign in with a passkey, within the last 5 minutes, in this session)' });
export const oneProofOnly = () => new InvalidPayloadError({ reason: 'Send either "password" or "otp", not both' });
export const registrationExpired = () => new InvalidPayloadError({ reason: 'These registration options were used or have expired: ask for new ones' });
export const registrationNotVerified = () => new InvalidPayloadError({ reason: 'The passkey could not be verified' });
export const alreadyRegistered = () => new InvalidPayloadError({ reason: 'This passkey is registered already' });
export const tooManyPasskeys = (max: number) => new InvalidPayloadError({ reason: `A user has at most ${max} passkeys: remove one first` });

/** No relying party could be made out of the settings. */
export const passkeysOff = () =>
	new ServiceUnavailableError({ service: 'passkeys', reason: 'Passkeys need PUBLIC_URL (an absolute URL) or USER_LIFECYCLE_WEBAUTHN_RP_ID and USER_LIFECYCLE_WEBAUTHN_ORIGINS' });
/** The sign-in page's script was not built (`npm run build` builds it). */
export const pageScriptMissing = () => new RouteNotFoundError({ path: '/user-lifecycle/sign-in.js' });
