// Replay and brute-force protection on the host's own login (`POST /auth/login`, the Data
// Studio's sign-in, GraphQL `auth_login`): the `auth.login` filter runs inside
// AuthenticationService.login before the host checks the password and the code; a DirectusError
// thrown here is answered by the host's error handler in its own format.
import type { RegisterFunctions } from '@directus/types';
import { schemaFor, stallUntil, type FlowOptions } from '../shared/host.js';
import type { Runtime } from '../shared/runtime.js';
import { DEFAULT_PROVIDER, findTwoFactorUser } from '../shared/users.js';
import { InvalidOtpError } from '../shared/util/errors.js';
import { acceptOtp, lockedError } from './code-gate.js';
import { isRecoveryLogin } from './recovery-login.js';
import { lockedUntil } from './store.js';

export function registerHostLoginGuard(register: RegisterFunctions, rt: Runtime): void {
	register.filter('auth.login', async (payload, meta, context) => {
		const body = payload as Record<string, unknown>;
		const userId = meta['user'];
		const otp = body?.['otp'];
		// No user: the host refuses. No code: the host asks for one (INVALID_OTP) when TFA is on.
		if (typeof userId !== 'string' || typeof otp !== 'string' || otp === '') return payload;
		await guardHostLogin(
			rt,
			{ userId, provider: String(meta['provider'] ?? DEFAULT_PROVIDER), password: body['password'], otp },
			{ accountability: null, schema: context.schema ?? undefined },
		);
		return payload;
	});
}

/**
 * Runs before the host checks the password and the code. When the password is right (checked
 * here, so a caller without it can neither burn a step nor lock the user out) the code must pass
 * `acceptOtp` with the host's own window (0 steps), so what we record is what the host accepts.
 * Refusals wait LOGIN_STALL_TIME like the host's, so timing doesn't tell a right password.
 */
export async function guardHostLogin(rt: Runtime, input: { userId: string; provider: string; password: unknown; otp: string }, options: FlowOptions): Promise<void> {
	const start = performance.now();
	if (isRecoveryLogin(input.userId)) return;
	const user = await findTwoFactorUser(rt.knex, { id: input.userId });
	if (!user?.tfa_secret || user.provider !== input.provider) return;
	const locked = await lockedUntil(rt.knex, user.id);
	if (locked !== null) {
		await stallUntil(start, rt.config.loginStallMs);
		throw lockedError(rt, locked); // no password check needed to refuse every code
	}
	if (user.provider === DEFAULT_PROVIDER) {
		if (typeof input.password !== 'string') return;
		const auth = new rt.services.AuthenticationService({ knex: rt.knex, schema: await schemaFor(rt, options), accountability: null });
		try {
			await auth.verifyPassword(user.id, input.password);
		} catch {
			return; // the host refuses the password itself
		}
	}
	const check = await acceptOtp(rt, user.id, user.tfa_secret, input.otp, 0);
	if (check.ok) return;
	await stallUntil(start, rt.config.loginStallMs);
	throw check.lockedUntil !== null ? lockedError(rt, check.lockedUntil) : new InvalidOtpError();
}
