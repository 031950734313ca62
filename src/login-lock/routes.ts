// One user's login lock, for callers the host lets update that user: how it stands, and lifting it
// now. Nobody lifts their own (a stolen access token must not reopen password guessing on its
// account); reading one's own is fine.
import type { Router } from 'express';
import { flowOptions, handle, requireUser, type HostRequest } from '../shared/http.js';
import { noBody, noQuery, parseInput } from '../shared/input.js';
import { assertMayManageUser } from '../shared/may-write.js';
import type { Runtime } from '../shared/runtime.js';
import { loginLockOf, unlockNow } from './lock.js';
import { userIdParam } from './schemas.js';

async function target(rt: Runtime, req: HostRequest, { self }: { self: boolean }): Promise<{ user: string; actor: string }> {
	const actor = requireUser(req);
	const { id } = parseInput(userIdParam, req.params);
	parseInput(noQuery, req.query);
	await assertMayManageUser(rt, id, flowOptions(req), { self });
	return { user: id, actor };
}

export function loginLockRoutes(router: Router, rt: Runtime): void {
	router.get(
		'/users/:id/login-lock',
		handle(async (req) => loginLockOf(rt, (await target(rt, req, { self: true })).user)),
	);
	router.delete(
		'/users/:id/login-lock',
		handle(async (req) => {
			const { user, actor } = await target(rt, req, { self: false });
			parseInput(noBody, req.body);
			return unlockNow(rt, user, actor);
		}),
	);
}
