// Email change's routes: the signed-in user's request, and the two links' pages (GET shows a
// button, the click POSTs; a JSON POST with `{ token }` does the same for a project's own page).
import type { Router } from 'express';
import { clientOf, flowOptions, handle, requireUser, type HostRequest } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import { serveLinkPage } from '../shared/link-pages.js';
import type { Runtime } from '../shared/runtime.js';
import { confirmEmailChange, requestEmailChange, revertEmailChange } from './flow.js';
import { CONFIRM_PAGE, REVERT_PAGE } from './pages.js';
import { requestBody } from './schemas.js';

type CookieRequest = HostRequest & { cookies?: Record<string, unknown> };

/** The session a request comes with (a session-mode login's, or the refresh-token cookie's), if any. */
function currentSession(rt: Runtime, req: CookieRequest): string | null {
	const session = req.accountability?.session;
	if (typeof session === 'string' && session !== '') return session;
	const cookie = req.cookies?.[rt.config.loginCookies.refresh.name];
	return typeof cookie === 'string' && cookie !== '' ? cookie : null;
}

export function emailChangeRoutes(router: Router, rt: Runtime): void {
	router.post(
		'/email-change',
		handle(async (req) => {
			const user = requireUser(req);
			await requestEmailChange(rt, user, parseInput(requestBody, req.body), { ...flowOptions(req), client: clientOf(req) });
		}),
	);
	serveLinkPage(router, '/email-change/confirm', CONFIRM_PAGE, (token, req) => confirmEmailChange(rt, token, currentSession(rt, req), clientOf(req)));
	serveLinkPage(router, '/email-change/revert', REVERT_PAGE, (token, req) => revertEmailChange(rt, token, clientOf(req)));
}
