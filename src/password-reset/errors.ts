// Password reset's refusals, declared once (the host's messages and codes).
import { InvalidPayloadError } from '../shared/util/errors.js';

export const resetUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to reset passwords` });
