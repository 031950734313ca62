// The guard: status transitions on every write path, tfa_secret protection, the audit trail.
// Owned by the guard capability.
import type { RegisterFunctions } from '@directus/types';
import type { Runtime } from '../runtime.js';

export function registerGuard(_register: RegisterFunctions, _rt: Runtime): void {}
