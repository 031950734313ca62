// Email sign-in's refusals, declared once (the host's codes).
import { createError, InvalidPayloadError } from '../shared/util/errors.js';

export const signInUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to sign in` });

// Off (the default): the routes answer as a route that isn't there, with a message that says why.
const EmailSignInOffError = createError('ROUTE_NOT_FOUND', 'Email sign-in is not enabled on this project', 404);
export const emailSignInOff = () => new EmailSignInOffError();
