// Two-factor's request bodies: ours (strict), and the host's own routes' (the host ignores keys
// it doesn't know, so those stay loose).
import { email, text, z } from '../shared/input.js';
import type { SecondFactor } from './self-service.js';

const CODE_MAX = 64;
const code = () => text(CODE_MAX);

const generate = { password: text().optional() };
const enable = { secret: text(256), otp: code() };

/** `{ otp }` or `{ recovery_code }`, exactly one. */
const secondFactor = <S extends z.ZodObject>(object: S) =>
	object
		.refine((body: { otp?: string; recovery_code?: string }) => (body.otp === undefined) !== (body.recovery_code === undefined), {
			error: 'Send either "otp" or "recovery_code"',
		})
		.transform((body: { otp?: string; recovery_code?: string }): SecondFactor => (body.otp !== undefined ? { otp: body.otp } : { recovery_code: body.recovery_code! }));

export const generateBody = z.strictObject(generate);
export const enableBody = z.strictObject(enable);
export const disableBody = secondFactor(z.strictObject({ otp: code().optional(), recovery_code: code().optional() }));
export const recoveryCodesBody = z.strictObject({ otp: code() });
export const recoveryLoginBody = z.strictObject({
	email: email(),
	password: text(),
	recovery_code: code(),
	mode: z.enum(['json', 'cookie', 'session']).default('json'),
});

// The host's routes: `POST /users/me/tfa/generate|enable|disable`, `POST /users/:pk/tfa/disable`.
export const hostGenerateBody = z.object(generate);
export const hostEnableBody = z.object(enable);
export const hostDisableBody = secondFactor(
	z.object({ otp: code().optional(), recovery_code: code().optional() }).refine((body) => body.otp !== undefined || body.recovery_code !== undefined, {
		error: '"otp" is required',
	}),
);
