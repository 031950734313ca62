// Two-factor's refusals, declared once.
import { createError, HitRateLimitError, InvalidPayloadError } from '../shared/util/errors.js';

export const invalidOtp = () => new InvalidPayloadError({ reason: `"otp" is invalid` });
export const invalidRecoveryCode = () => new InvalidPayloadError({ reason: `"recovery_code" is invalid` });
export const invalidSecret = () => new InvalidPayloadError({ reason: `"secret" is invalid` });
export const secretAlreadySet = () => new InvalidPayloadError({ reason: 'TFA Secret is already set for this user' });
export const notEnabled = (user: string) => new InvalidPayloadError({ reason: `User "${user}" doesn't have TFA enabled` });
export const passwordRequired = () => new InvalidPayloadError({ reason: `"password" is required` });
export const emailRequired = () => new InvalidPayloadError({ reason: 'User must have a valid email to enable TFA' });
/** Too many wrong codes: every code is refused until `until` (429, on every path). */
export const codesLocked = (maxAttempts: number, until: number) => new HitRateLimitError({ limit: maxAttempts, reset: new Date(until) });

const TfaEnforcedError = createError('TFA_ENFORCED', "Two-factor authentication is enforced by one of this user's policies and can't be turned off", 403);
/** A user's own two-factor can't be turned off while a policy of theirs enforces it. */
export const tfaEnforced = () => new TfaEnforcedError();
