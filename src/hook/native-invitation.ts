// The host's own invitation routes, served by the hardened flows with the host's request and
// response shapes (204, no body), so `inviteUser` / `acceptUserInvite` of @directus/sdk and the
// Data Studio's accept-invite page work unchanged.
import type { Application } from 'express';
import { parseAccept, parseInvite } from '../endpoint/invitation.js';
import { flowOptions, handle } from '../endpoint/respond.js';
import { acceptInvite, inviteUsers, isOurInviteToken } from '../flows/invitation.js';
import type { Runtime } from '../runtime.js';

export function registerInvitationNativeRoutes(app: Application, rt: Runtime): void {
	app.post(
		'/users/invite',
		handle(async (req) => {
			await inviteUsers(rt, parseInvite(req.body, { allowExpiresIn: false }), flowOptions(req));
		}),
	);
	app.post('/users/invite/accept', (req, res, next) => {
		// A link the host signed before the extension was installed is still the host's to accept.
		const token = (req.body as Record<string, unknown> | undefined)?.['token'];
		if (typeof token === 'string' && !isOurInviteToken(rt, token)) return next();
		return handle(async (r) => {
			await acceptInvite(rt, parseAccept(r.body, { names: false }), flowOptions(r));
		})(req, res, next);
	});
}
