// Registration's refusals, declared once.
import { ForbiddenError, InvalidPayloadError } from '../shared/util/errors.js';

export const verificationUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to verify registered users` });

/** Registration is off, a rule denies the email, or the host's email filter does. */
export const registrationRefused = () => new ForbiddenError();
