// The host's own TFA routes, served by the two-factor flows with the host's request and response
// shapes (so @directus/sdk and the Data Studio work unchanged, and gain replay protection and the
// lockout). Registered before the host's /users router; `me` routes before `/:pk` ones.
import type { Application } from 'express';
import { InvalidPayloadError } from '../errors.js';
import { enableInputOf, secondFactorOf } from '../endpoint/two-factor.js';
import { bodyOf, optionalText, uuid } from '../endpoint/input.js';
import { flowOptions, handle, requireUser } from '../endpoint/respond.js';
import { disableTwoFactor, enableTwoFactor, generateTwoFactorSecret, resetTwoFactor } from '../flows/two-factor.js';
import type { Runtime } from '../runtime.js';

export function registerTwoFactorNativeRoutes(app: Application, rt: Runtime): void {
	app.post(
		'/users/me/tfa/generate',
		handle(async (req) => {
			const user = requireUser(req);
			return generateTwoFactorSecret(rt, user, optionalText(bodyOf(req.body ?? {}), 'password'), flowOptions(req));
		}),
	);
	// The host answers 204 and has nowhere to show recovery codes: none are made here; the user
	// makes a set with POST /user-lifecycle/tfa/recovery-codes.
	app.post(
		'/users/me/tfa/enable',
		handle(async (req) => {
			const user = requireUser(req);
			await enableTwoFactor(rt, user, enableInputOf(bodyOf(req.body ?? {})), { recoveryCodes: false });
		}),
	);
	app.post(
		'/users/me/tfa/disable',
		handle(async (req) => {
			const user = requireUser(req);
			const body = bodyOf(req.body ?? {});
			if (body['otp'] === undefined && body['recovery_code'] === undefined) throw new InvalidPayloadError({ reason: `"otp" is required` });
			await disableTwoFactor(rt, user, secondFactorOf(body));
		}),
	);
	// The host's admin "disable TFA for this user" (Data Studio), now with an audit event.
	app.post(
		'/users/:pk/tfa/disable',
		handle(async (req) => {
			requireUser(req);
			await resetTwoFactor(rt, uuid(req.params['pk'], 'pk'), flowOptions(req));
		}),
	);
}
