// The invitation capability's share of the lifecycle schedule: `invited` users whose newest
// invitation expired with no live one left are archived (actor "system", "invitation expired").
import type { Knex } from 'knex';
import type { JobReport } from '../shared/capability.js';
import type { Runtime } from '../shared/runtime.js';
import { usersWithOnlyExpiredTokens } from './link-tokens.js';
import { moveStatus, USERS_TABLE } from '../shared/users.js';

/** Safety stop for one run; the next period picks up the rest. */
const MAX_PAGES = 1000;

export async function archiveExpiredInvitations(rt: Runtime, now: number): Promise<JobReport> {
	const size = rt.config.scheduleBatchSize;
	let archived = 0;
	let after: string | null = null;
	for (let page = 0; page < MAX_PAGES; page++) {
		const ids = await userIdsInStatus(rt.knex, 'invited', size, after);
		if (ids.length === 0) break;
		after = ids[ids.length - 1]!;
		const expired = await usersWithOnlyExpiredTokens(rt.knex, 'invite', ids, now);
		if (expired.length > 0) archived += await moveStatus(rt, expired, { from: 'invited', to: 'archived', via: 'schedule', reason: 'invitation expired' });
		if (ids.length < size) break;
	}
	return { archivedInvitations: archived };
}

/** One page of the ids of users in `status`, in id order after `after` (the periodic jobs' sweep). */
export async function userIdsInStatus(knex: Knex, status: string, limit: number, after: string | null): Promise<string[]> {
	const query = knex(USERS_TABLE).select('id').where({ status }).orderBy('id', 'asc').limit(limit);
	if (after !== null) query.where('id', '>', after);
	return (await query).map((row: { id: unknown }) => String(row.id));
}
