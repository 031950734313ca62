// Two-factor routes under /user-lifecycle: the authenticated user's own TFA, recovery-code login,
// and the admins' reset. Parse, call the flow, shape the answer.
import type { Response, Router } from 'express';
import { InvalidPayloadError } from '../errors.js';
import {
	disableTwoFactor,
	enableTwoFactor,
	generateTwoFactorSecret,
	loginWithRecoveryCode,
	regenerateRecoveryCodes,
	resetTwoFactor,
	twoFactorStatus,
	type RecoveryLoginInput,
	type SecondFactor,
} from '../flows/two-factor.js';
import type { Runtime } from '../runtime.js';
import { bodyOf, email, onlyKeys, optionalText, text, uuid, type Body } from './input.js';
import { flowOptions, handle, requireUser, type HostRequest } from './respond.js';

const CODE_MAX = 64;

export const otpOf = (body: Body) => text(body, 'otp', { max: CODE_MAX });

/** `{ otp }` or `{ recovery_code }`, exactly one. */
export function secondFactorOf(body: Body): SecondFactor {
	const hasOtp = body['otp'] !== undefined;
	const hasCode = body['recovery_code'] !== undefined;
	if (hasOtp === hasCode) throw new InvalidPayloadError({ reason: 'Send either "otp" or "recovery_code"' });
	return hasOtp ? { otp: otpOf(body) } : { recovery_code: text(body, 'recovery_code', { max: CODE_MAX }) };
}

export function enableInputOf(body: Body): { secret: string; otp: string } {
	return { secret: text(body, 'secret', { max: 256 }), otp: otpOf(body) };
}

function loginInputOf(body: Body): RecoveryLoginInput {
	onlyKeys(body, ['email', 'password', 'recovery_code', 'mode']);
	const mode = optionalText(body, 'mode', { max: 16 }) ?? 'json';
	if (mode !== 'json' && mode !== 'cookie' && mode !== 'session') throw new InvalidPayloadError({ reason: `"mode" must be one of [cookie, json, session]` });
	return { email: email(body), password: text(body, 'password'), recovery_code: text(body, 'recovery_code', { max: CODE_MAX }), mode };
}

/** Answers as the host's POST /auth/login does for each mode. */
function loginAnswer(rt: Runtime, res: Response, mode: RecoveryLoginInput['mode'], result: { accessToken: string; refreshToken: string; expires: number }) {
	const { refresh, session } = rt.config.loginCookies;
	if (mode === 'json') return { expires: result.expires, refresh_token: result.refreshToken, access_token: result.accessToken };
	if (mode === 'cookie') {
		res.cookie(refresh.name, result.refreshToken, refresh.options);
		return { expires: result.expires, access_token: result.accessToken };
	}
	res.cookie(session.name, result.accessToken, session.options);
	return { expires: result.expires };
}

/** The signed-in user and their body, limited to `keys`. */
function ownRequest(req: HostRequest, keys: string[]): { user: string; body: Body } {
	const user = requireUser(req);
	const body = bodyOf(req.body);
	onlyKeys(body, keys);
	return { user, body };
}

export function registerTwoFactorRoutes(router: Router, rt: Runtime): void {
	router.post(
		'/tfa/generate',
		handle(async (req) => {
			const { user, body } = ownRequest(req, ['password']);
			return generateTwoFactorSecret(rt, user, optionalText(body, 'password'), flowOptions(req));
		}),
	);
	router.post(
		'/tfa/enable',
		handle(async (req) => {
			const { user, body } = ownRequest(req, ['secret', 'otp']);
			return enableTwoFactor(rt, user, enableInputOf(body), { recoveryCodes: true });
		}),
	);
	router.post(
		'/tfa/disable',
		handle(async (req) => {
			const { user, body } = ownRequest(req, ['otp', 'recovery_code']);
			await disableTwoFactor(rt, user, secondFactorOf(body));
		}),
	);
	router.post(
		'/tfa/recovery-codes',
		handle(async (req) => {
			const { user, body } = ownRequest(req, ['otp']);
			return regenerateRecoveryCodes(rt, user, otpOf(body));
		}),
	);
	router.get(
		'/tfa',
		handle(async (req) => twoFactorStatus(rt, requireUser(req))),
	);
	router.post(
		'/login',
		handle(async (req, res) => {
			const input = loginInputOf(bodyOf(req.body));
			const result = await loginWithRecoveryCode(rt, input, flowOptions(req));
			return loginAnswer(rt, res, input.mode, result);
		}),
	);
	router.post(
		'/users/:id/tfa/reset',
		handle(async (req) => {
			requireUser(req);
			await resetTwoFactor(rt, uuid(req.params['id'], 'id'), flowOptions(req));
		}),
	);
}
