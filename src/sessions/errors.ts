// Sessions' refusals, declared once.
import { REFRESH_TOKEN_HEADER } from '../shared/sessions.js';
import { ForbiddenError, InvalidPayloadError } from '../shared/util/errors.js';

/** An id that is not one of this user's sessions: the host's 403, alike for another user's and a made-up one. */
export const sessionNotFound = () => new ForbiddenError();
export const currentSessionUnknown = () =>
	new InvalidPayloadError({
		reason: `The current session is not known: sign in with mode "session" or "cookie", or name it with the ${REFRESH_TOKEN_HEADER} header`,
	});
