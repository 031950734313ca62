// Two-factor's routes: the signed-in user's own (ours under /user-lifecycle, and the host's
// `/users/me/tfa/*` with the host's shapes, so @directus/sdk and the Data Studio gain replay
// protection and the lockout), recovery-code login, and the admins' reset. The host's `me` routes
// are registered before its `/:pk` ones.
import type { Application, Router } from 'express';
import { clientOf, doorOf, flowOptions, handle, requireUser, type HostRequest } from '../shared/http.js';
import { parseInput, pathId, type z } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { resetTwoFactor } from './admin-reset.js';
import { loginWithRecoveryCode } from './recovery-login.js';
import { loginAnswer, recoveryCodeInGraphqlLogin, recoveryCodeInHostLogin } from './recovery-otp-login.js';
import { disableBody, enableBody, generateBody, hostDisableBody, hostEnableBody, hostGenerateBody, recoveryCodesBody, recoveryLoginBody } from './schemas.js';
import { disableTwoFactor, enableTwoFactor, generateTwoFactorSecret, regenerateRecoveryCodes, twoFactorStatus, type SecondFactor } from './self-service.js';

/** The signed-in user (401 otherwise), then their body. */
const own = <T>(req: HostRequest, schema: z.ZodType<T>): { user: string; body: T } => {
	const user = requireUser(req);
	return { user, body: parseInput(schema, req.body ?? {}) };
};

// Our routes and the host's share these handlers; only the body's schema differs (the host's
// ignore unknown keys) and where recovery codes can be shown.
const generate = (rt: Runtime, schema: z.ZodType<{ password?: string }>) =>
	handle(async (req) => {
		const { user, body } = own(req, schema);
		return generateTwoFactorSecret(rt, user, body.password, flowOptions(req));
	});
const enable = (rt: Runtime, schema: z.ZodType<{ secret: string; otp: string }>, recoveryCodes: boolean) =>
	handle(async (req) => {
		const { user, body } = own(req, schema);
		const result = await enableTwoFactor(rt, user, { secret: body.secret, otp: body.otp }, { recoveryCodes, via: doorOf(req), client: clientOf(req) });
		return recoveryCodes ? result : undefined;
	});
const disable = (rt: Runtime, schema: z.ZodType<SecondFactor>) =>
	handle(async (req) => {
		const { user, body } = own(req, schema);
		await disableTwoFactor(rt, user, body, doorOf(req), req.accountability?.roles, clientOf(req));
	});
const reset = (rt: Runtime, param: 'id' | 'pk', whenOff: 'refuse' | 'ignore') =>
	handle(async (req) => {
		requireUser(req);
		await resetTwoFactor(rt, parseInput(pathId(param), req.params)[param], flowOptions(req), { whenOff });
	});

export function twoFactorRoutes(router: Router, rt: Runtime): void {
	router.post('/tfa/generate', generate(rt, generateBody));
	router.post('/tfa/enable', enable(rt, enableBody, true));
	router.post('/tfa/disable', disable(rt, disableBody));
	router.post(
		'/tfa/recovery-codes',
		handle(async (req) => {
			const { user, body } = own(req, recoveryCodesBody);
			return regenerateRecoveryCodes(rt, user, body.otp, clientOf(req));
		}),
	);
	router.get('/tfa', handle(async (req) => twoFactorStatus(rt, requireUser(req))));
	router.post(
		'/login',
		handle(async (req, res) => {
			const input = parseInput(recoveryLoginBody, req.body);
			const result = await loginWithRecoveryCode(rt, input, flowOptions(req));
			return loginAnswer(rt, res, input.mode, result);
		}),
	);
	router.post('/users/:id/tfa/reset', reset(rt, 'id', 'refuse'));
}

export function twoFactorNativeRoutes(app: Application, rt: Runtime): void {
	// The Data Studio's sign-in: a recovery code in the OTP field (a TOTP goes on to the host).
	app.post('/auth/login', recoveryCodeInHostLogin(rt));
	app.post('/graphql/system', recoveryCodeInGraphqlLogin(rt));
	app.post('/users/me/tfa/generate', generate(rt, hostGenerateBody));
	// The host answers 204 and has nowhere to show recovery codes: none are made here; the user
	// makes a set with POST /user-lifecycle/tfa/recovery-codes.
	app.post('/users/me/tfa/enable', enable(rt, hostEnableBody, false));
	app.post('/users/me/tfa/disable', disable(rt, hostDisableBody));
	// The host's admin "disable TFA for this user" (Data Studio), now with an audit event.
	app.post('/users/:pk/tfa/disable', reset(rt, 'pk', 'ignore'));
}
