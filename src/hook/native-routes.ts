// With USER_LIFECYCLE_NATIVE_ROUTES on, the host's own routes for these flows are answered by
// the hardened flows, with the host's request and response shapes (so @directus/sdk and the
// Data Studio work unchanged). Registered before the host's /users router.
import type { Application, NextFunction, Request, Response } from 'express';
import { verifyEmail, registerUser } from '../flows/registration.js';
import { parseRegistration } from '../endpoint/registration.js';
import { stashQueryToken, takeQueryToken } from '../endpoint/input.js';
import { registrationRateLimit } from '../endpoint/rate-limit.js';
import { flowOptions, handle } from '../endpoint/respond.js';
import type { Runtime } from '../runtime.js';
import { registerInvitationNativeRoutes } from './native-invitation.js';
import { registerTwoFactorNativeRoutes } from './native-two-factor.js';

export function registerNativeRoutes(app: Application, rt: Runtime): void {
	registerInvitationNativeRoutes(app, rt);
	registerTwoFactorNativeRoutes(app, rt);
	app.post(
		'/users/register',
		registrationRateLimit(rt),
		handle(async (req) => {
			await registerUser(rt, parseRegistration(rt, req.body), flowOptions(req));
		}),
	);
	// The host answers this link with a redirect into the Data Studio; so do we.
	app.get('/users/register/verify-email', (req, res, next) => {
		let token: string;
		try {
			token = takeQueryToken(req);
		} catch {
			return res.redirect('/admin/login');
		}
		verifyEmail(rt, token, flowOptions(req as never))
			.then((id) => res.redirect(`/admin/users/${id}`))
			.catch(next);
	});
}

/** Pages and routes whose links carry a token in the query: ours, the host's we serve, the Data Studio's. */
const TOKEN_LINK_PATHS = ['/user-lifecycle/', '/users/register/verify-email', '/users/invite/accept', '/admin/accept-invite'];

export function redactTokenLinks(_rt: Runtime) {
	return (req: Request, _res: Response, next: NextFunction) => {
		if (req.method === 'GET' && TOKEN_LINK_PATHS.some((path) => req.path.startsWith(path))) stashQueryToken(req);
		next();
	};
}
