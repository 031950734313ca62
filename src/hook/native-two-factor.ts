// The host's own routes for this capability, served by the hardened flows (see native-routes.ts).
import type { Application } from 'express';
import type { Runtime } from '../runtime.js';

export function registerTwoFactorNativeRoutes(_app: Application, _rt: Runtime): void {}
