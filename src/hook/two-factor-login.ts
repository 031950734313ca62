// Replay and brute-force protection on the host's own login (auth.login filter/action).
// Owned by the two-factor capability.
import type { RegisterFunctions } from '@directus/types';
import type { Runtime } from '../runtime.js';

export function registerTwoFactorLoginHooks(_register: RegisterFunctions, _rt: Runtime): void {}
