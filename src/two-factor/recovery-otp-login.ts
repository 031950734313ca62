// A recovery code typed into the OTP field of the host's own sign-in (`POST /auth/login`, the
// Data Studio's login form): a user who lost the phone gets in where they always sign in. A
// request whose `otp` has the recovery-code shape (never a 6-digit TOTP) is served by the
// recovery-code login and answered exactly as the host answers its login, for every mode; any
// other goes on to the host untouched.
import type { Accountability } from '@directus/types';
import type { NextFunction, Request, Response } from 'express';
import type { HostRequest } from '../shared/http.js';
import { email, text, z } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { loginWithRecoveryCode, type RecoveryLoginInput } from './recovery-login.js';
import { normalizeRecoveryCode } from './totp.js';

/** Answers as the host's POST /auth/login does for each mode (body keys in its order, its cookies). */
export function loginAnswer(rt: Runtime, res: Response, mode: RecoveryLoginInput['mode'], result: { accessToken: string; refreshToken: string; expires: number }) {
	const { refresh, session } = rt.config.loginCookies;
	if (mode === 'json') return { expires: result.expires, refresh_token: result.refreshToken, access_token: result.accessToken };
	if (mode === 'cookie') {
		res.cookie(refresh.name, result.refreshToken, refresh.options);
		return { expires: result.expires, access_token: result.accessToken };
	}
	res.cookie(session.name, result.accessToken, session.options);
	return { expires: result.expires };
}

// The host's login body (it ignores keys it doesn't know); anything else is the host's to refuse.
const hostLoginBody = z.object({
	email: email(),
	password: text(),
	otp: text(64),
	mode: z.enum(['json', 'cookie', 'session']).default('json'),
});

/** What the host's login puts in its session and activity record: who connects from where, nobody signed in. */
function signInAccountability(req: HostRequest): Accountability {
	const from = req.accountability;
	return { user: null, role: null, roles: [], admin: false, app: false, ip: from?.ip ?? null, userAgent: from?.userAgent, origin: from?.origin } as Accountability;
}

export function recoveryCodeInHostLogin(rt: Runtime) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (rt.config.hostPasswordLoginDisabled) return next();
		const parsed = hostLoginBody.safeParse(req.body);
		if (!parsed.success || normalizeRecoveryCode(parsed.data.otp) === null) return next();
		const { email: address, password, otp, mode } = parsed.data;
		const options = { accountability: signInAccountability(req as HostRequest), schema: (req as HostRequest).schema };
		loginWithRecoveryCode(rt, { email: address, password, recovery_code: otp, mode }, options)
			.then((result) => {
				if (!res.headersSent) res.json({ data: loginAnswer(rt, res, mode, result) });
			})
			.catch(next);
	};
}
