// Account status: the transition table enforced on every write to directus_users (the guard,
// Flows included),
// sessions ended when a user leaves `active`, `tfa_secret` kept for the two-factor flows, the
// audit trail of every change, status changes with a reason, and timed suspensions lifted by the
// schedule.
import type { Capability } from '../shared/capability.js';
import { STATUS_SETTINGS } from './settings.js';
import type { RegisterFunctions } from '@directus/types';
import type { Runtime } from '../shared/runtime.js';
import { registerFlowOperationGuard } from './flow-operations.js';
import { registerGuard } from './guard.js';
import { liftEndedSuspensions } from './job.js';
import { statusRoutes } from './routes.js';
import { STATUS_MIGRATIONS } from './store.js';
import { configurePreparedStatements } from './prepared.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'status-changed': true;
	}
}

export const status: Capability = {
	name: 'status',
	settings: STATUS_SETTINGS,
	routes: (router, rt) => {
		usePreparedSettings(rt);
		statusRoutes(router, rt);
	},
	hooks: (register: RegisterFunctions, rt: Runtime) => {
		usePreparedSettings(rt);
		registerGuard(register, rt);
		registerFlowOperationGuard(register, rt);
	},
	job: liftEndedSuspensions,
	migrations: STATUS_MIGRATIONS,
};

const configured = new WeakSet<Runtime>();

/** USER_LIFECYCLE_DB_PREPARED_STATEMENTS, once per runtime (the endpoint and the hook both get here). */
function usePreparedSettings(rt: Runtime): void {
	if (configured.has(rt)) return;
	configured.add(rt);
	configurePreparedStatements({
		named: rt.config.preparedStatements,
		lost: () =>
			rt.logger.warn(
				'[user-lifecycle] a prepared statement was lost between the server connections (a pooler such as PgBouncer in transaction mode): named statements are off for this process; set USER_LIFECYCLE_DB_PREPARED_STATEMENTS=false',
			),
	});
}
