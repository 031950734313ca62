// Registration's routes: ours under /user-lifecycle, and the host's own (`POST /users/register`,
// `GET /users/register/verify-email`) with the host's shapes, so @directus/sdk and the Data
// Studio's sign-up page use the hardened flow unchanged.
import type { Application, Router } from 'express';
import { flowOptions, handle } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import { perIpRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { takeQueryToken } from '../shared/token-links.js';
import { registerUser, resendVerification, verifyEmail } from './flow.js';
import { registrationSchema, resendBody, verifyEmailBody } from './schemas.js';

/** The host's registration limit (RATE_LIMITER_REGISTRATION_*, per IP), shared by every instance through the database. */
const registrationLimit = (rt: Runtime) => perIpRateLimit(rt.knex, 'registration', rt.config.registrationRateLimit);

export function registrationRoutes(router: Router, rt: Runtime): void {
	const limit = registrationLimit(rt);
	const registration = registrationSchema(rt.config.registerFields);
	router.post('/register', limit, handle(async (req) => registerUser(rt, parseInput(registration, req.body), flowOptions(req))));
	router.post('/register/verify-email', handle(async (req) => void (await verifyEmail(rt, parseInput(verifyEmailBody, req.body).token, flowOptions(req)))));
	router.get('/register/verify-email', handle(async (req) => void (await verifyEmail(rt, takeQueryToken(req), flowOptions(req)))));
	router.post('/register/resend', limit, handle(async (req) => resendVerification(rt, parseInput(resendBody, req.body), flowOptions(req))));
}

export function registrationNativeRoutes(app: Application, rt: Runtime): void {
	const registration = registrationSchema(rt.config.registerFields);
	app.post('/users/register', registrationLimit(rt), handle(async (req) => registerUser(rt, parseInput(registration, req.body), flowOptions(req))));
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
