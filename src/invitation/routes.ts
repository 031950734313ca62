// Invitation's routes: ours under /user-lifecycle, and the host's own (`POST /users/invite`,
// `POST /users/invite/accept`) with the host's shapes (204, no body), so `inviteUser` /
// `acceptUserInvite` of @directus/sdk and the Data Studio's accept-invite page work unchanged.
import type { Application, Router } from 'express';
import { flowOptions, handle } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { acceptInvite, inviteUsers, listInvites, resendInvite, revokeInvite } from './flow.js';
import { acceptBody, hostAcceptBody, hostInviteBody, inviteBody, resendBody, revokeBody } from './schemas.js';

export function invitationRoutes(router: Router, rt: Runtime): void {
	router.post('/invite', handle(async (req) => inviteUsers(rt, parseInput(inviteBody, req.body), flowOptions(req))));
	router.post('/invite/accept', handle(async (req) => void (await acceptInvite(rt, parseInput(acceptBody, req.body), flowOptions(req)))));
	router.post('/invite/resend', handle(async (req) => resendInvite(rt, parseInput(resendBody, req.body), flowOptions(req))));
	router.post('/invite/revoke', handle(async (req) => revokeInvite(rt, parseInput(revokeBody, req.body), flowOptions(req))));
	router.get('/invites', handle(async (req) => listInvites(rt, flowOptions(req))));
}

export function invitationNativeRoutes(app: Application, rt: Runtime): void {
	app.post('/users/invite', handle(async (req) => void (await inviteUsers(rt, parseInput(hostInviteBody, req.body), flowOptions(req)))));
	// Every link is ours to judge: one the host signed (before the extension came) is a forged one
	// here (403 INVALID_TOKEN) — the guard would refuse the host's own `invited -> active` anyway.
	app.post('/users/invite/accept', handle(async (req) => void (await acceptInvite(rt, parseInput(hostAcceptBody, req.body), flowOptions(req)))));
}
