// Email change's request bodies (the links' `{ token }` bodies are the link pages', shared).
import { email, httpUrl, text, z } from '../shared/input.js';

/** A new address and one fresh proof of identity: the password, or a code from the authenticator app. */
export const requestBody = z
	.strictObject({ email: email(), password: text().optional(), otp: text(64).optional(), confirm_url: httpUrl().optional() })
	.refine((body) => (body.password === undefined) !== (body.otp === undefined), { error: 'Send either "password" or "otp" to prove it is you' });

export type EmailChangeRequest = z.output<typeof requestBody>;
