// One user's login lock, for callers the host lets update that user: how it stands, and lifting it
// now. Nobody lifts their own (a stolen access token must not reopen password guessing on its
// account); reading one's own is fine.
import type { Router } from 'express';
import { flowOptions, handle, requireUser, type HostRequest } from '../shared/http.js';
import { noBody, parseInput, usersQuery } from '../shared/input.js';
import { assertMayManageUser, managedUser } from '../shared/may-write.js';
import type { Runtime } from '../shared/runtime.js';
import { isDirectusError } from '../shared/util/errors.js';
import { loginLocksOf, loginLockOf, unlockNow } from './lock.js';

/** The running locks of the listed users the caller may manage (each probed as the one-user route does). */
async function locksOfListed(rt: Runtime, req: HostRequest) {
	requireUser(req);
	const { users } = parseInput(usersQuery, req.query);
	const shown = [];
	for (const lock of await loginLocksOf(rt, users)) {
		try {
			await assertMayManageUser(rt, lock.user, flowOptions(req));
			shown.push(lock);
		} catch (error) {
			if (!isDirectusError(error, 'FORBIDDEN')) throw error;
		}
	}
	return shown;
}

export function loginLockRoutes(router: Router, rt: Runtime): void {
	router.get('/login-locks', handle(async (req) => locksOfListed(rt, req)));
	router.get(
		'/users/:id/login-lock',
		handle(async (req) => loginLockOf(rt, (await managedUser(rt, req, { self: true })).user)),
	);
	router.delete(
		'/users/:id/login-lock',
		handle(async (req) => {
			const { user, actor } = await managedUser(rt, req, { self: false });
			parseInput(noBody, req.body);
			return unlockNow(rt, user, actor);
		}),
	);
}
