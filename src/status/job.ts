// The status capability's share of the lifecycle schedule: timed suspensions whose `until` has
// passed are lifted (`suspended -> active`, actor "system", reason "suspension ended").
import type { JobReport } from '../shared/capability.js';
import type { Runtime } from '../shared/runtime.js';
import { moveStatus } from '../shared/users.js';
import { drain } from '../shared/util/batch.js';
import { clearSuspensionEnds, endedSuspensions } from './store.js';

export async function liftEndedSuspensions(rt: Runtime, now: number): Promise<JobReport> {
	let lifted = 0;
	await drain(async (limit) => {
		const ids = await endedSuspensions(rt.knex, now, limit);
		if (ids.length === 0) return 0;
		lifted += await moveStatus(rt, ids, { from: 'suspended', to: 'active', via: 'schedule', reason: 'suspension ended' }, (trx) => clearSuspensionEnds(trx, ids));
		return ids.length;
	}, rt.config.scheduleBatchSize);
	return { liftedSuspensions: lifted };
}
