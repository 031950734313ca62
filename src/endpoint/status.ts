import type { Router } from 'express';
import type { Runtime } from '../runtime.js';

export function registerStatusRoutes(_router: Router, _rt: Runtime): void {}
