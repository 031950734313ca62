// Email sign-in's routes, under /user-lifecycle. There is no GET: opening a link (a mail scanner
// fetching it, too) never spends it; the page it opens asks for a click that POSTs the token.
import type { NextFunction, Request, Response, Router } from 'express';
import { doorOf, handle, type HostRequest } from '../shared/http.js';
import { stalled } from '../shared/host.js';
import { parseInput } from '../shared/input.js';
import { perIpRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { emailSignInOff } from './errors.js';
import { requestSignInMail, signInByMail } from './flow.js';
import { requestBody, verifyBody } from './schemas.js';

const REQUEST_RATE_LIMIT = 'email-sign-in-request';
const VERIFY_RATE_LIMIT = 'email-sign-in-verify';

/** Off unless USER_LIFECYCLE_EMAIL_SIGN_IN=true: 404 before anything is read or counted. */
const whenOn = (rt: Runtime) => (_req: Request, _res: Response, next: NextFunction) => next(rt.config.emailSignIn ? undefined : emailSignInOff());

/** Every answer, a body refused by its schema too, comes USER_LIFECYCLE_EMAIL_SIGN_IN_STALL_TIME after the request's start. */
const requestRoute = (rt: Runtime) => handle((req: HostRequest) => stalled(rt.config.signInStallMs, () => requestSignInMail(rt, parseInput(requestBody, req.body))));

const verifyRoute = (rt: Runtime) =>
	handle(async (req, res) => {
		const proof = parseInput(verifyBody, req.body);
		return (await signInByMail(rt, proof, { req, res, door: doorOf(req) })).data;
	});

export function emailSignInRoutes(router: Router, rt: Runtime): void {
	router.post('/email-sign-in/request', whenOn(rt), perIpRateLimit(rt.knex, REQUEST_RATE_LIMIT, rt.config.signInRateLimit), requestRoute(rt));
	router.post('/email-sign-in/verify', whenOn(rt), perIpRateLimit(rt.knex, VERIFY_RATE_LIMIT, rt.config.signInRateLimit), verifyRoute(rt));
}
