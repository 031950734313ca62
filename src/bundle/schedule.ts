// The lifecycle schedule: each capability's periodic job (expire invitations, lift timed
// suspensions, prune spent tokens, ...) — once per period across every instance on the database.
// The period is claimed in the database (a lease row taken by one conditional UPDATE); an
// instance that loses the claim skips the period.
import type { RegisterFunctions } from '@directus/types';
import { Cron } from 'croner';
import type { JobReport } from '../shared/capability.js';
import { claimLease } from './leases.js';
import { ConfigError, raw, type Setting, type SettingsOf } from '../shared/config.js';
import type { Runtime } from '../shared/runtime.js';
import { pruneTokens } from '../shared/link-tokens.js';
import { pruneMailSlots } from '../shared/mail-throttle.js';
import { drain } from '../shared/util/batch.js';
import { newId } from '../shared/util/crypto.js';

export const SCHEDULE_JOB = 'lifecycle-schedule';

/** A cron expression the schedule can run (croner reads it as the host's scheduler would). */
const cron = (name: string, fallback: string): Setting<string> => (env) => {
	const value = String(raw(env, name, fallback)).trim();
	try {
		new Cron(value, { paused: true });
	} catch {
		throw new ConfigError(name, 'expected a cron expression such as "*/1 * * * *"');
	}
	return value;
};

export const SCHEDULE_SETTINGS = {
	scheduleCron: cron('USER_LIFECYCLE_SCHEDULE', '*/1 * * * *'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof SCHEDULE_SETTINGS> {}
}

export type Job = (rt: Runtime, now: number) => Promise<JobReport>;

/** Spent and expired tokens are kept this long (support, debugging) before they are deleted. */
export const TOKEN_RETENTION_MS = 24 * 3_600_000;

/** The shared tables' job: spent, revoked and expired tokens go a day after they ended; mail throttle slots unused for an hour go. */
export async function pruneSharedTables(rt: Runtime, now: number): Promise<JobReport> {
	return {
		prunedTokens: await drain((limit) => pruneTokens(rt.knex, now - TOKEN_RETENTION_MS, limit), rt.config.scheduleBatchSize),
		prunedMailThrottleSlots: await pruneMailSlots(rt.knex, now),
	};
}

/** Runs looked at for the shortest gap: enough to see every gap of a day's or a week's pattern. */
const SAMPLED_RUNS = 64;
const DAY_MS = 86_400_000;

/**
 * The shortest gap between two runs of a cron expression (5 fields, or 6 with seconds first), from
 * its next runs: the schedule's lease must be shorter than it, so a claim lasts one period.
 */
export function cronPeriodMs(expression: string): number {
	// In UTC: a daylight-saving jump must not read as a shorter period.
	const runs = new Cron(expression, { paused: true, timezone: 'Etc/UTC' }).nextRuns(SAMPLED_RUNS).map((run) => run.getTime());
	let gap = runs.length < 2 ? DAY_MS : Number.POSITIVE_INFINITY;
	for (let i = 1; i < runs.length; i++) gap = Math.min(gap, runs[i]! - runs[i - 1]!);
	return gap;
}

/** Half a period: long enough to cover instances ticking a little apart, short enough to free the next period. */
export function scheduleLeaseMs(cron: string): number {
	return Math.min(Math.max(Math.floor(cronPeriodMs(cron) / 2), 250), 600_000);
}

/** Runs every job once; one failing job (a licence limit refusing a reactivation) doesn't stop the others. */
export async function runJobs(rt: Runtime, jobs: readonly Job[], now = Date.now()): Promise<JobReport> {
	const report: JobReport = {};
	for (const job of jobs) {
		try {
			Object.assign(report, await job(rt, now));
		} catch (error) {
			rt.logger.error(error, `[user-lifecycle] schedule: ${job.name || 'a job'} failed`);
		}
	}
	return report;
}

export function registerSchedule(register: RegisterFunctions, rt: Runtime, jobs: readonly Job[]): void {
	const holder = newId();
	const leaseMs = scheduleLeaseMs(rt.config.scheduleCron);
	register.schedule(rt.config.scheduleCron, async () => {
		await rt.ready;
		if (!(await claimLease(rt.knex, SCHEDULE_JOB, holder, leaseMs))) return;
		const report = await runJobs(rt, jobs);
		if (Object.values(report).some((n) => n > 0)) rt.logger.info(report, '[user-lifecycle] schedule run');
	});
}
