// Sessions' routes: the signed-in user's own (`/sessions`), and one user's for callers who may
// update that user (`/users/:id/sessions`). Which session a request comes with: `currentSessionToken`
// (shared/sessions.ts).
import type { Response, Router } from 'express';
import { flowOptions, handle, requireUser, type HostRequest } from '../shared/http.js';
import { noBody, noQuery, parseInput } from '../shared/input.js';
import { assertMayManageUser } from '../shared/may-write.js';
import type { Runtime } from '../shared/runtime.js';
import { currentSessionToken } from '../shared/sessions.js';
import { endSessions, listSessions, type Ending, type SessionsTarget } from './flow.js';
import { ownScopeQuery, sessionParam, userIdParam, userScopeQuery } from './schemas.js';

type CookieRequest = HostRequest & { cookies?: Record<string, unknown> };

const currentToken = (rt: Runtime, req: CookieRequest) => currentSessionToken(req, rt.config.loginCookies.refresh.name);

/** The caller's own sessions. */
function own(rt: Runtime, req: HostRequest): SessionsTarget {
	const user = requireUser(req);
	return { user, actor: user, current: currentToken(rt, req) };
}

/** One user's sessions, for a caller who may update that user. */
async function ofUser(rt: Runtime, req: HostRequest): Promise<SessionsTarget> {
	const actor = requireUser(req);
	const { id } = parseInput(userIdParam, req.params);
	await assertMayManageUser(rt, id, flowOptions(req));
	return { user: id, actor, current: currentToken(rt, req) };
}

/** Ending the session a cookie carries: the cookie goes too, as on the host's logout. */
function clearEndedCookies(rt: Runtime, req: CookieRequest, res: Response): void {
	for (const cookie of [rt.config.loginCookies.session, rt.config.loginCookies.refresh]) {
		if (req.cookies?.[cookie.name] === undefined) continue;
		const { maxAge: _maxAge, ...options } = cookie.options;
		res.clearCookie(cookie.name, options);
	}
}

const end = (rt: Runtime, target: (req: HostRequest) => Promise<SessionsTarget> | SessionsTarget, ending: (req: HostRequest) => Ending) =>
	handle(async (req, res) => {
		const who = await target(req);
		const what = ending(req);
		parseInput(noBody, req.body);
		const { ended, endedCurrent } = await endSessions(rt, who, what);
		if (endedCurrent) clearEndedCookies(rt, req, res);
		return { ended };
	});

const one = (req: HostRequest): Ending => {
	parseInput(noQuery, req.query);
	return { scope: 'one', id: parseInput(sessionParam, req.params).session };
};

export function sessionsRoutes(router: Router, rt: Runtime): void {
	router.get('/sessions', handle(async (req) => listSessions(rt, own(rt, req))));
	router.delete('/sessions', end(rt, (req) => own(rt, req), (req) => ({ scope: parseInput(ownScopeQuery, req.query).scope })));
	router.delete('/sessions/:session', end(rt, (req) => own(rt, req), one));

	router.get('/users/:id/sessions', handle(async (req) => listSessions(rt, await ofUser(rt, req))));
	router.delete('/users/:id/sessions', end(rt, (req) => ofUser(rt, req), (req) => ({ scope: parseInput(userScopeQuery, req.query).scope ?? 'all' })));
	router.delete('/users/:id/sessions/:session', end(rt, (req) => ofUser(rt, req), one));
}
