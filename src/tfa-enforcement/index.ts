// Two-factor enforcement: the host's policies' `enforce_tfa` holds on the whole API, not only in
// the Data Studio's redirect. A user who must use two-factor and has none may only set it up.
import type { Capability } from '../shared/capability.js';
import { twoFactorEnforcementGuard } from './guard.js';

export const tfaEnforcement: Capability = {
	name: 'tfa-enforcement',
	requestGuards: (app, rt) => {
		if (rt.config.enforceTfa) app.use(twoFactorEnforcementGuard(rt));
	},
};
