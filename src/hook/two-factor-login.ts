// Replay and brute-force protection on the host's own login: the `auth.login` filter runs inside
// AuthenticationService.login before the host checks the password and the code; a DirectusError
// thrown here is answered by the host's error handler in its own format.
import type { RegisterFunctions } from '@directus/types';
import { guardHostLogin } from '../flows/two-factor.js';
import type { Runtime } from '../runtime.js';

export function registerTwoFactorLoginHooks(register: RegisterFunctions, rt: Runtime): void {
	register.filter('auth.login', async (payload, meta, context) => {
		const body = payload as Record<string, unknown>;
		const userId = meta['user'];
		const otp = body?.['otp'];
		// No user: the host refuses. No code: the host asks for one (INVALID_OTP) when TFA is on.
		if (typeof userId !== 'string' || typeof otp !== 'string' || otp === '') return payload;
		await guardHostLogin(
			rt,
			{ userId, provider: String(meta['provider'] ?? 'default'), password: body['password'], otp },
			{ accountability: null, schema: context.schema ?? undefined },
		);
		return payload;
	});
}
