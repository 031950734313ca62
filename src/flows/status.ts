// Status changes with a reason (the status route), timed suspensions, and the audit trail's reader.
import { ForbiddenError, InvalidPayloadError } from '../errors.js';
import { mayTransition, refusalReason, type LifecycleStatus } from '../policy/transitions.js';
import type { Runtime } from '../runtime.js';
import { AUDIT_TABLE } from '../store/audit.js';
import { setSuspensionEnd } from '../store/status.js';
import { toMillis } from '../store/time.js';
import { runAsFlow } from './flow-context.js';
import { readableUser, schemaFor, type FlowOptions } from './host.js';

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
	await rt.ready;
	if (!options.accountability?.user) throw new ForbiddenError();
	if (change.until !== undefined) {
		if (change.status !== 'suspended') throw new InvalidPayloadError({ reason: '"until" only goes with the status "suspended"' });
		if (change.until <= Date.now()) throw new InvalidPayloadError({ reason: '"until" must be in the future' });
	}
	const schema = await schemaFor(rt, options);
	const actor = options.accountability.user;
	return runAsFlow({ via: 'api', actor, reason: change.reason ?? null }, () =>
		rt.knex.transaction(async (trx) => {
			// Read through the host first: a user the caller can't see answers 403, like the host's routes.
			const current = await readableUser(rt, trx, options.accountability, schema, change.user);
			const writer = { kind: 'api' as const, admin: options.accountability?.admin === true };
			if (!mayTransition(rt.config.transitions, current.status, change.status, writer)) {
				throw new InvalidPayloadError({ reason: refusalReason(current.status, change.status) });
			}
			await new rt.services.UsersService({ knex: trx, schema, accountability: options.accountability }).updateOne(change.user, { status: change.status });
			if (change.until !== undefined) await setSuspensionEnd(trx, change.user, change.until);
			return { id: change.user, status: change.status };
		}),
	);
}

export interface StatusEventView {
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

/** A user's audit events, oldest first; the caller must be allowed to read that user. */
export async function userEvents(rt: Runtime, userId: string, options: FlowOptions & { limit?: number }): Promise<StatusEventView[]> {
	await rt.ready;
	if (!options.accountability?.user) throw new ForbiddenError();
	const schema = await schemaFor(rt, options);
	const users = new rt.services.UsersService({ knex: rt.knex, schema, accountability: options.accountability });
	await users.readOne(userId, { fields: ['id'] });
	const rows = await rt.knex(AUDIT_TABLE)
		.select('id', 'user', 'event', 'from', 'to', 'actor', 'via', 'reason', 'at')
		.where({ user: userId })
		.orderBy('at', 'asc')
		.limit(options.limit ?? 1000);
	return rows.map((row) => ({ ...row, at: new Date(toMillis(row.at) ?? Date.parse(String(row.at))).toISOString() }));
}
