// Every capability's routes, mounted under /user-lifecycle. One line per capability.
import type { Router } from 'express';
import type { Runtime } from '../runtime.js';
import { registerInvitationRoutes } from './invitation.js';
import { registerRegistrationRoutes } from './registration.js';
import { registerStatusRoutes } from './status.js';
import { registerTwoFactorRoutes } from './two-factor.js';

export function registerCapabilityRoutes(router: Router, rt: Runtime): void {
	registerRegistrationRoutes(router, rt);
	registerInvitationRoutes(router, rt);
	registerTwoFactorRoutes(router, rt);
	registerStatusRoutes(router, rt);
}
