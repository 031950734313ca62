// The lifecycle schedule's work: archive invitations past their TTL, lift timed suspensions,
// prune spent tokens and old two-factor records. Batches of `scheduleBatchSize`, so memory stays
// bounded whatever the number of users. Status changes go through the host's UsersService inside
// a `schedule` flow scope, so the guard audits them with actor "system" (null).
import type { Knex } from 'knex';
import type { Runtime } from '../runtime.js';
import { clearSuspensionEnds, endedSuspensions } from '../store/status.js';
import { toMillis } from '../store/time.js';
import { pruneTokens, TOKENS_TABLE } from '../store/tokens.js';
import { pruneTwoFactorRecords } from '../store/two-factor.js';
import { runAsFlow } from './flow-context.js';

/** Spent and expired tokens are kept this long (support, debugging) before they are deleted. */
export const TOKEN_RETENTION_MS = 24 * 3_600_000;
/** Safety stop for one run's loops; the next period picks up the rest. */
const MAX_BATCHES = 1000;

export interface ScheduleReport {
	archivedInvitations: number;
	liftedSuspensions: number;
	prunedTokens: number;
	prunedTwoFactorRecords: number;
}

export async function runSchedule(rt: Runtime, now = Date.now()): Promise<ScheduleReport> {
	await rt.ready;
	const size = rt.config.scheduleBatchSize;
	// One failing step (say, a licence limit refusing a reactivation) doesn't stop the others.
	const step = async (name: string, work: () => Promise<number>): Promise<number> => {
		try {
			return await work();
		} catch (error) {
			rt.logger.error(error, `[user-lifecycle] schedule: ${name} failed`);
			return 0;
		}
	};
	return {
		archivedInvitations: await step('archiving expired invitations', () => archiveExpiredInvitations(rt, now)),
		liftedSuspensions: await step('lifting ended suspensions', () => liftEndedSuspensions(rt, now)),
		prunedTokens: await step('pruning tokens', () => drain((limit) => pruneTokens(rt.knex, now - TOKEN_RETENTION_MS, limit), size)),
		prunedTwoFactorRecords: await step('pruning two-factor records', () =>
			drain((limit) => pruneTwoFactorRecords(rt.knex, now - Math.max(rt.config.otpLockMs, 600_000), limit), size),
		),
	};
}

/** `invited` users whose newest invitation has expired (and none is live) become `archived`. */
export async function archiveExpiredInvitations(rt: Runtime, now: number): Promise<number> {
	const { knex } = rt;
	const size = rt.config.scheduleBatchSize;
	let archived = 0;
	let after: string | null = null;
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		const query = knex('directus_users').select('id').where({ status: 'invited' }).orderBy('id', 'asc').limit(size);
		if (after !== null) query.where('id', '>', after);
		const ids = (await query).map((row: { id: unknown }) => String(row.id));
		if (ids.length === 0) break;
		after = ids[ids.length - 1]!;
		const expired = await usersWithExpiredInvitation(knex, ids, now);
		if (expired.length > 0) archived += await setStatus(rt, expired, 'invited', 'archived', 'invitation expired');
		if (ids.length < size) break;
	}
	return archived;
}

async function usersWithExpiredInvitation(knex: Knex, userIds: string[], now: number): Promise<string[]> {
	const rows = await knex(TOKENS_TABLE)
		.select('user_id', 'created_at', 'expires_at', 'consumed_at', 'revoked_at')
		.where({ kind: 'invite' })
		.whereIn('user_id', userIds);
	const newest = new Map<string, { created: number; expires: number; done: boolean }>();
	const live = new Set<string>();
	for (const row of rows) {
		const user = String(row.user_id);
		const expires = toMillis(row.expires_at) ?? 0;
		const done = row.consumed_at !== null || row.revoked_at !== null;
		if (!done && expires > now) live.add(user);
		const created = toMillis(row.created_at) ?? 0;
		const seen = newest.get(user);
		if (!seen || created >= seen.created) newest.set(user, { created, expires, done });
	}
	return [...newest.entries()].filter(([user, t]) => !live.has(user) && !t.done && t.expires <= now).map(([user]) => user);
}

/** Suspensions whose `until` has passed are lifted: `suspended -> active`. */
export async function liftEndedSuspensions(rt: Runtime, now: number): Promise<number> {
	const size = rt.config.scheduleBatchSize;
	let lifted = 0;
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		const ids = await endedSuspensions(rt.knex, now, size);
		if (ids.length === 0) break;
		lifted += await setStatus(rt, ids, 'suspended', 'active', 'suspension ended', (trx) => clearSuspensionEnds(trx, ids));
		if (ids.length < size) break;
	}
	return lifted;
}

/**
 * Moves those of `userIds` still in `from` to `to`, in one transaction with the audit records
 * (and `alsoInTransaction`). Rows that changed meanwhile are left alone.
 */
async function setStatus(
	rt: Runtime,
	userIds: string[],
	from: string,
	to: string,
	reason: string,
	alsoInTransaction?: (trx: Knex) => Promise<void>,
): Promise<number> {
	const schema = await rt.getSchema();
	return runAsFlow({ via: 'schedule', actor: null, reason }, () =>
		rt.knex.transaction(async (trx) => {
			const rows = await trx('directus_users').select('id').whereIn('id', userIds).where({ status: from });
			const ids = rows.map((row: { id: unknown }) => String(row.id));
			if (ids.length > 0) {
				const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
				await users.updateMany(ids, { status: to });
			}
			await alsoInTransaction?.(trx);
			return ids.length;
		}),
	);
}

async function drain(step: (limit: number) => Promise<number>, size: number): Promise<number> {
	let total = 0;
	for (let batch = 0; batch < MAX_BATCHES; batch++) {
		const done = await step(size);
		total += done;
		if (done < size) break;
	}
	return total;
}
