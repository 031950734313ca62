// Email sign-in's request bodies (strict: an unknown key is a 400).
import { email, httpUrl, text, token, z } from '../shared/input.js';
import { CODE_DIGITS } from './secrets.js';

export const requestBody = z.strictObject({ email: email(), sign_in_url: httpUrl().optional() });
export type SignInLinkRequest = z.output<typeof requestBody>;

const proof = {
	mode: z.enum(['json', 'cookie', 'session']).default('json'),
	/** The user's TOTP code, or a recovery code, when they have two-factor on. */
	otp: text(64).optional(),
};

/** `{ token }` (the link) or `{ email, code }` (the code typed in), exactly one of the two. */
export const verifyBody = z
	.strictObject({ token: token().optional(), email: email().optional(), code: z.string().regex(new RegExp(`^\\d{${CODE_DIGITS}}$`), { error: `must be ${CODE_DIGITS} digits` }).optional(), ...proof })
	.refine((body) => (body.token !== undefined) !== (body.email !== undefined || body.code !== undefined), { error: 'Send either "token" or "email" and "code"' })
	.refine((body) => body.token !== undefined || (body.email !== undefined && body.code !== undefined), { error: 'Send "email" and "code" together' })
	.transform((body): SignInProof => {
		const common = { mode: body.mode, otp: body.otp };
		return body.token !== undefined ? { ...common, token: body.token } : { ...common, email: body.email!, code: body.code! };
	});

export type SignInProof = { mode: 'json' | 'cookie' | 'session'; otp?: string } & ({ token: string } | { email: string; code: string });
