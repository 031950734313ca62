// Email change's refusals, declared once.
import { InvalidPayloadError } from '../shared/util/errors.js';

export const EMAIL_CHANGE_ROUTE = 'POST /user-lifecycle/email-change';

/** A user's own `email`, written through any other door (REST, GraphQL, a Flow acting as them). */
export const ownEmailRefused = () =>
	new InvalidPayloadError({ reason: `Your own email address can only be changed with ${EMAIL_CHANGE_ROUTE}: the new address confirms the change and the old one is told` });
export const confirmUrlNotAllowed = (url: string) => new InvalidPayloadError({ reason: `URL "${url}" can't be used to confirm an email change` });
export const sameAddress = () => new InvalidPayloadError({ reason: '"email" is already your email address' });
export const noAddressYet = () => new InvalidPayloadError({ reason: 'This account has no email address to change' });
/** At confirmation: someone else holds the address now. */
export const addressTaken = () => new InvalidPayloadError({ reason: 'This email address belongs to another account now: nothing was changed' });
