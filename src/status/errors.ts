// Account status's refusals, declared once.
import { InvalidPayloadError } from '../shared/util/errors.js';
import { refusalReason } from './transitions.js';

export const transitionRefused = (from: string | null, to: string) => new InvalidPayloadError({ reason: refusalReason(from, to) });
export const tfaSecretNotWritable = () => new InvalidPayloadError({ reason: `"tfa_secret" can't be written directly` });
export const untilOnlyWithSuspended = () => new InvalidPayloadError({ reason: '"until" only goes with the status "suspended"' });
export const untilInThePast = () => new InvalidPayloadError({ reason: '"until" must be in the future' });

/** An account whose invitation or email verification is pending reaches `active` only through that flow. */
export const flowStillPending = (from: string | null, to: string, flow: 'invitation' | 'verification') =>
	new InvalidPayloadError({ reason: `${refusalReason(from, to)}: the ${flow === 'invitation' ? 'invitation' : 'email verification'} is still pending` });
