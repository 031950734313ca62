// The lifecycle schedule: expire invitations, lift timed suspensions, prune spent tokens — once
// per period across every instance on the database. The host's own schedule lock lives in
// memory unless Redis is configured, so the period is claimed in the database: a lease row taken
// by one conditional UPDATE; an instance that loses the claim skips the period.
import type { RegisterFunctions } from '@directus/types';
import { newId } from '../crypto.js';
import { runSchedule } from '../flows/schedule.js';
import { cronPeriodMs } from '../policy/cron-period.js';
import type { Runtime } from '../runtime.js';
import { claimLease } from '../store/status.js';

export const SCHEDULE_JOB = 'lifecycle-schedule';

/** Half a period: long enough to cover instances ticking a little apart, short enough to free the next period. */
export function scheduleLeaseMs(cron: string): number {
	return Math.min(Math.max(Math.floor(cronPeriodMs(cron) / 2), 250), 600_000);
}

export function registerSchedule(register: RegisterFunctions, rt: Runtime): void {
	const holder = newId();
	const leaseMs = scheduleLeaseMs(rt.config.scheduleCron);
	register.schedule(rt.config.scheduleCron, async () => {
		await rt.ready;
		if (!(await claimLease(rt.knex, SCHEDULE_JOB, holder, leaseMs))) return;
		const report = await runSchedule(rt);
		if (report.archivedInvitations + report.liftedSuspensions + report.prunedTokens + report.prunedTwoFactorRecords > 0) {
			rt.logger.info(report, '[user-lifecycle] schedule run');
		}
	});
}
