// Status changes with a reason (the status route), timed suspensions, and the audit trail's reader.
import { toMillis } from '../shared/util/time.js';
import { AUDIT_TABLE } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { schemaFor, type FlowOptions } from '../shared/host.js';
import { mayTransition, type LifecycleStatus } from './transitions.js';
import type { Runtime } from '../shared/runtime.js';
import { readableUser } from '../shared/users.js';
import { ForbiddenError } from '../shared/util/errors.js';
import { transitionRefused, untilInThePast, untilOnlyWithSuspended } from './errors.js';
import { setSuspensionEnd } from './store.js';

export interface StatusChange {
	user: string;
	status: LifecycleStatus;
	reason?: string;
	/** Epoch ms; only with `suspended`: the suspension ends then. */
	until?: number;
}

/**
 * Changes a user's status on behalf of the caller. The host decides whether the caller may update
 * that user (UsersService with the caller's accountability); the table decides the transition,
 * with `flow` cells closed: this route is an API write like any other, only with a reason.
 */
export async function changeStatus(rt: Runtime, change: StatusChange, options: FlowOptions): Promise<{ id: string; status: string }> {
	if (!options.accountability?.user) throw new ForbiddenError();
	if (change.until !== undefined) {
		if (change.status !== 'suspended') throw untilOnlyWithSuspended();
		if (change.until <= Date.now()) throw untilInThePast();
	}
	const schema = await schemaFor(rt, options);
	const actor = options.accountability.user;
	return runAsFlow({ via: 'api', actor, reason: change.reason ?? null }, () =>
		rt.knex.transaction(async (trx) => {
			// Read through the host first: a user the caller can't see answers 403, like the host's routes.
			const current = await readableUser(rt, trx, options.accountability, schema, change.user);
			const writer = { kind: 'api' as const, admin: options.accountability?.admin === true };
			if (!mayTransition(rt.config.transitions, current.status, change.status, writer)) {
				throw transitionRefused(current.status, change.status);
			}
			await new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability }).updateOne(change.user, { status: change.status });
			if (change.until !== undefined) await setSuspensionEnd(trx, change.user, change.until);
			return { id: change.user, status: change.status };
		}),
	);
}

/**
 * A user's audit events, oldest first. Read through the host's ItemsService as the caller: admins,
 * or whoever may read the audit collection (a reason can say more than a status; reading a
 * user doesn't give it).
 */
export async function userEvents(rt: Runtime, userId: string, options: FlowOptions & { limit?: number }): Promise<AuditEventView[]> {
	if (!options.accountability?.user) throw new ForbiddenError();
	const schema = await schemaFor(rt, options);
	const events = new rt.services.ItemsService(AUDIT_TABLE, { knex: rt.knex, schema, accountability: options.accountability });
	const rows = (await events.readByQuery({
		filter: { user: { _eq: userId } },
		fields: ['id', 'user', 'event', 'from', 'to', 'actor', 'via', 'reason', 'at'],
		sort: ['at', 'id'],
		limit: options.limit ?? 1000,
	})) as Record<string, unknown>[];
	return rows.map(toEventView);
}

export interface AuditEventView {
	id: string;
	user: string;
	event: string;
	from: string | null;
	to: string | null;
	actor: string | null;
	via: string;
	reason: string | null;
	at: string;
}

/** A stored event as the API shows it: `at` as an ISO date-time whatever the database returned. */
export function toEventView(row: Record<string, unknown>): AuditEventView {
	const at = row['at'];
	const ms = toMillis(at) ?? Date.parse(String(at));
	return { ...(row as unknown as AuditEventView), at: new Date(ms).toISOString() };
}
