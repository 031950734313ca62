// Mail administration's refusals, declared once.
import { InvalidPayloadError } from '../shared/util/errors.js';

export const notAFailedMail = (id: string) => new InvalidPayloadError({ reason: `Mail "${id}" is not a failed mail (it may have been retried already)` });
export const kindCannotBeRetried = (kind: string) => new InvalidPayloadError({ reason: `A "${kind}" mail can't be sent again from here` });
export const nothingQueued = (recipient: string) =>
	new InvalidPayloadError({ reason: `No new mail to ${recipient} was queued: the address reached its hourly mail limit, or its account no longer waits for this mail` });
