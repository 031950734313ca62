// Registration's routes: ours under /user-lifecycle, and the host's own (`POST /users/register`,
// `GET /users/register/verify-email`) with the host's shapes, so @directus/sdk and the Data
// Studio's sign-up page use the hardened flow unchanged. A contested registration's link opens,
// in a browser, the page where the password is chosen (verify-page.ts).
import type { Application, NextFunction, Request, Response, Router } from 'express';
import { flowOptions, handle, takeQueryToken, type HostRequest } from '../shared/http.js';
import { stallUntil } from '../shared/host.js';
import { parseInput } from '../shared/input.js';
import { perIpRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { isDirectusError } from '../shared/util/errors.js';
import { PASSWORD_REQUIRED } from './errors.js';
import { registerUser, resendVerification, verifyEmail } from './flow.js';
import { registrationSchema, resendBody, verifyEmailBody } from './schemas.js';
import { sendAsset } from '../shared/pages.js';
import { choosePasswordAssets, sendChoosePasswordPage, wantsPage } from './verify-page.js';

/** The host's registration limit (RATE_LIMITER_REGISTRATION_*, per IP), shared by every instance through the database. */
const registrationLimit = (rt: Runtime) => perIpRateLimit(rt.knex, 'registration', rt.config.registrationRateLimit);

/**
 * A public registration route whose every answer, a body refused by its schema too, comes
 * REGISTER_STALL_TIME after the request's start (the flow waits for the same moment).
 */
const stalled = (rt: Runtime, work: (req: HostRequest, startedAt: number) => Promise<void>) =>
	handle(async (req) => {
		const startedAt = performance.now();
		try {
			await work(req, startedAt);
		} finally {
			await stallUntil(startedAt, rt.config.registerStallMs);
		}
	});

/**
 * A verification link followed (GET): one click verifies it, unless its registration is contested:
 * then a browser gets the page where the password is chosen, any other client 400
 * PASSWORD_REQUIRED, and the link stays unspent.
 */
function followVerificationLink(rt: Runtime, answer: { verified: (res: Response, userId: string) => void; unreadable?: (res: Response) => void }) {
	return (req: Request, res: Response, next: NextFunction) => {
		let token: string;
		try {
			token = takeQueryToken(req);
		} catch (error) {
			return answer.unreadable ? answer.unreadable(res) : next(error);
		}
		verifyEmail(rt, { token }, flowOptions(req as HostRequest))
			.then((id) => answer.verified(res, id))
			.catch((error) => (isDirectusError(error, PASSWORD_REQUIRED) && wantsPage(req) ? sendChoosePasswordPage(res, rt.config.publicUrl) : next(error)));
	};
}

export function registrationRoutes(router: Router, rt: Runtime): void {
	const limit = registrationLimit(rt);
	const registration = registrationSchema(rt.config.registerFields);
	router.post('/register', limit, stalled(rt, async (req, startedAt) => registerUser(rt, parseInput(registration, req.body), flowOptions(req), startedAt)));
	router.post('/register/verify-email', handle(async (req) => void (await verifyEmail(rt, parseInput(verifyEmailBody, req.body), flowOptions(req)))));
	router.get('/register/verify-email', followVerificationLink(rt, { verified: (res) => res.status(204).end() }));
	for (const [path, asset] of Object.entries(choosePasswordAssets)) router.get(path, (_req, res) => sendAsset(res, asset));
	router.post('/register/resend', limit, stalled(rt, async (req, startedAt) => resendVerification(rt, parseInput(resendBody, req.body), flowOptions(req), startedAt)));
}

export function registrationNativeRoutes(app: Application, rt: Runtime): void {
	const registration = registrationSchema(rt.config.registerFields);
	app.post('/users/register', registrationLimit(rt), stalled(rt, async (req, startedAt) => registerUser(rt, parseInput(registration, req.body), flowOptions(req), startedAt)));
	// The host answers this link with a redirect into the Data Studio (its sign-in page for a link
	// without a token); so do we.
	app.get(
		'/users/register/verify-email',
		followVerificationLink(rt, { verified: (res, id) => res.redirect(`/admin/users/${id}`), unreadable: (res) => res.redirect('/admin/login') }),
	);
}
