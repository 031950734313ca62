// Every capability's routes, mounted under /user-lifecycle. One line per capability.
import type { Router } from 'express';
import type { Runtime } from '../runtime.js';
import { registerRegistrationRoutes } from './registration.js';

export function registerCapabilityRoutes(router: Router, rt: Runtime): void {
	registerRegistrationRoutes(router, rt);
}
