// The notices' routes: the signed-in user's last sign-ins, and the page of the "this wasn't me"
// link (GET shows a button, the click POSTs; a JSON POST with `{ token }` does the same).
import type { Router } from 'express';
import { clientOf, handle, requireUser } from '../shared/http.js';
import { noQuery, parseInput } from '../shared/input.js';
import { serveLinkPage } from '../shared/link-pages.js';
import type { Runtime } from '../shared/runtime.js';
import { listSignIns, notMe } from './flow.js';
import { NOT_ME_PAGE } from './pages.js';

export function noticeRoutes(router: Router, rt: Runtime): void {
	router.get(
		'/sign-ins',
		handle(async (req) => {
			const user = requireUser(req);
			parseInput(noQuery, req.query);
			return listSignIns(rt, user);
		}),
	);
	serveLinkPage(router, '/notices/not-me', NOT_ME_PAGE, (token, req) => notMe(rt, token, clientOf(req)));
}
