// Registration's refusals, declared once.
import { createError, ForbiddenError, InvalidPayloadError } from '../shared/util/errors.js';

export const verificationUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to verify registered users` });

/** Registration is off, a rule denies the email, or the host's email filter does. */
export const registrationRefused = () => new ForbiddenError();

export const PASSWORD_REQUIRED = 'PASSWORD_REQUIRED';
const PasswordRequiredError = createError(PASSWORD_REQUIRED, 'This address was registered more than once: choose a password to verify it', 400);
/** A contested registration's link verifies only with a password chosen in the same request (the link stays usable). */
export const passwordMustBeChosen = () => new PasswordRequiredError();
