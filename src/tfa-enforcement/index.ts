// Two-factor enforcement: the host's policies' `enforce_tfa` holds on the whole API, not only in
// the Data Studio's redirect. A user who must use two-factor and has none may only set it up.
import type { Capability } from '../shared/capability.js';
import { TFA_ENFORCEMENT_SETTINGS } from './settings.js';
import type { Runtime } from '../shared/runtime.js';
import { EnforcingPolicies } from './enforcing-policies.js';
import { twoFactorEnforcementGuard } from './guard.js';
import { webSocketEnforcement } from './websockets.js';

const perRuntime = new WeakMap<Runtime, EnforcingPolicies>();
const enforcingPolicies = (rt: Runtime) => {
	let known = perRuntime.get(rt);
	if (!known) perRuntime.set(rt, (known = new EnforcingPolicies(rt.knex)));
	return known;
};

export const tfaEnforcement: Capability = {
	name: 'tfa-enforcement',
	settings: TFA_ENFORCEMENT_SETTINGS,
	requestGuards: (app, rt) => {
		if (rt.config.enforceTfa) app.use(twoFactorEnforcementGuard(rt, enforcingPolicies(rt)));
	},
	hooks: (register, rt) => {
		// A policy written here is seen by the very next request (before and after the write).
		for (const event of ['policies.create', 'policies.update', 'policies.delete']) {
			register.filter(event, (payload) => {
				enforcingPolicies(rt).forget();
				return payload;
			});
			register.action(event, () => enforcingPolicies(rt).forget());
		}
		if (rt.config.enforceTfa) {
			const sockets = webSocketEnforcement(rt, enforcingPolicies(rt));
			register.filter('websocket.authenticate', sockets.authenticate);
			register.filter('websocket.message', sockets.message);
		}
	},
};
