// The lifecycle schedule: expire invitations, lift timed suspensions, prune spent tokens.
// Owned by the guard capability.
import type { RegisterFunctions } from '@directus/types';
import type { Runtime } from '../runtime.js';

export function registerSchedule(_register: RegisterFunctions, _rt: Runtime): void {}
