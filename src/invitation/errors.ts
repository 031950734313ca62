// Invitation's refusals, declared once.
import { InvalidPayloadError } from '../shared/util/errors.js';

export const inviteUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to invite users` });
export const noPendingInvitation = (user: string) => new InvalidPayloadError({ reason: `User "${user}" has no pending invitation` });
export const unknownRole = (role: string) => new InvalidPayloadError({ reason: `Role "${role}" doesn't exist` });
