// Status changes with a reason (the status route) and timed suspensions.
import { runAsFlow } from '../shared/flow-scope.js';
import { callerPath } from '../shared/request-client.js';
import { schemaFor, type FlowOptions } from '../shared/host.js';
import { mayTransition, type LifecycleStatus } from './transitions.js';
import type { Runtime } from '../shared/runtime.js';
import { readableUser } from '../shared/users.js';
import { ForbiddenError, isDirectusError } from '../shared/util/errors.js';
import { transitionRefused, untilInThePast, untilOnlyWithSuspended } from './errors.js';
import { setSuspensionEnd, suspensionEnds } from './store.js';

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
	return runAsFlow({ via: callerPath(), actor, reason: change.reason ?? null }, () =>
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
 * When the timed suspensions of `userIds` end, for the users the caller may read (the host's read
 * as the caller; users it hides are left out, none at all when it refuses the read).
 */
export async function suspensionsOf(rt: Runtime, userIds: string[], options: FlowOptions): Promise<{ user: string; until: string }[]> {
	if (!options.accountability?.user) throw new ForbiddenError();
	const schema = await schemaFor(rt, options);
	const users = new rt.services.UsersService({ knex: rt.knex, schema, accountability: options.accountability });
	let readable: string[];
	try {
		readable = ((await users.readByQuery({ filter: { id: { _in: userIds } }, fields: ['id'], limit: -1 })) as { id: unknown }[]).map((row) => String(row.id));
	} catch (error) {
		if (!isDirectusError(error, 'FORBIDDEN')) throw error;
		readable = [];
	}
	const ends = await suspensionEnds(rt.knex, readable);
	return [...ends].map(([user, until]) => ({ user, until: new Date(until).toISOString() }));
}
