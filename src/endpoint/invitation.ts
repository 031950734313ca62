import type { Router } from 'express';
import type { Runtime } from '../runtime.js';

export function registerInvitationRoutes(_router: Router, _rt: Runtime): void {}
