// Password reset's routes: ours under /user-lifecycle, and the host's own
// (`POST /auth/password/request`, `POST /auth/password/reset`) with the host's shapes (204, no
// body), so @directus/sdk's `passwordRequest` / `passwordReset` and the Data Studio's pages use
// the hardened flow unchanged.
import type { Application, Router } from 'express';
import { flowOptions, handle, type HostRequest } from '../shared/http.js';
import { stallUntil } from '../shared/host.js';
import { parseInput } from '../shared/input.js';
import { perIpRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { requestPasswordReset, resetPassword } from './flow.js';
import { requestBody, resetBody } from './schemas.js';

export const RESET_RATE_LIMIT = 'password-reset';

/**
 * The request route: every answer, a body refused by its schema too, comes
 * USER_LIFECYCLE_RESET_STALL_TIME after the request's start.
 */
const requestRoute = (rt: Runtime) =>
	handle(async (req: HostRequest) => {
		const startedAt = performance.now();
		try {
			await requestPasswordReset(rt, parseInput(requestBody, req.body), startedAt);
		} finally {
			await stallUntil(startedAt, rt.config.resetStallMs);
		}
	});

const resetRoute = (rt: Runtime) => handle(async (req) => void (await resetPassword(rt, parseInput(resetBody, req.body), flowOptions(req))));

export function passwordResetRoutes(router: Router, rt: Runtime): void {
	router.post('/password/request', perIpRateLimit(rt.knex, RESET_RATE_LIMIT, rt.config.resetRateLimit), requestRoute(rt));
	router.post('/password/reset', resetRoute(rt));
}

export function passwordResetNativeRoutes(app: Application, rt: Runtime): void {
	app.post('/auth/password/request', perIpRateLimit(rt.knex, RESET_RATE_LIMIT, rt.config.resetRateLimit), requestRoute(rt));
	// Every link is ours to judge: one the host signed is a forged one here (403 INVALID_TOKEN).
	app.post('/auth/password/reset', resetRoute(rt));
}
