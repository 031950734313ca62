// Registration's request bodies. The registration body is extended at start-up with the extra
// fields USER_LIFECYCLE_REGISTER_FIELDS allows (scalars); any other key is refused.
import { email, hasControlCharacters, httpUrl, newPassword, nullableText, scalar, token, z } from '../shared/input.js';
import type { RegistrationInput } from './flow.js';

const BASE = {
	email: email(),
	password: newPassword(),
	first_name: nullableText(),
	last_name: nullableText(),
	verification_url: httpUrl().optional(),
};

/** An extra field's value: a scalar, and a string without control characters, like every text field. */
const extraValue = () =>
	scalar()
		.refine((value) => typeof value !== 'string' || !hasControlCharacters(value), { error: 'must not contain control characters' })
		.optional();

export function registrationSchema(extraFields: readonly string[]) {
	const extra = Object.fromEntries(extraFields.map((field) => [field, extraValue()]));
	return z.strictObject({ ...extra, ...BASE }).transform((body): RegistrationInput => {
		const { email, password, first_name, last_name, verification_url, ...rest } = body as typeof body & Record<string, unknown>;
		return {
			email,
			password,
			first_name: first_name ?? null,
			last_name: last_name ?? null,
			verification_url,
			extra: Object.fromEntries(extraFields.filter((f) => f in rest).map((f) => [f, rest[f]])),
		};
	});
}

/** The host's GraphQL `users_register_verify(token)`: the link alone. */
export const verifyEmailArgs = z.strictObject({ token: token() });
/** Our verify route: the link, and the password its follower chooses (required for a contested registration). */
export const verifyEmailBody = z.strictObject({ token: token(), password: newPassword().optional() });

export const resendBody = z.strictObject({ email: email(), verification_url: httpUrl().optional() });
