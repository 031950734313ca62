// Who may act on another user's account from our admin routes (sessions, login lock): whoever the
// host lets update that user. Probed with an empty update through the host's UsersService in a
// transaction that is always rolled back, so the host's own permissions decide, field rules and
// all, and its 403 is the answer.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { schemaFor, type FlowOptions } from './host.js';
import type { Runtime } from './runtime.js';
import { findUserById } from './users.js';
import { ForbiddenError } from './util/errors.js';

const PROBE_ROLLBACK = Symbol('probe rollback');

/**
 * Refuses (the host's 403, alike for a real and a made-up id: the host answers 403 for a user
 * that isn't there, an admin's call too) unless the caller may update `userId`. Their own account
 * needs no probe, unless `self: false`: then it is refused outright (a step that would weaken a
 * protection of the account, taken with nothing but one of its own tokens).
 */
export async function assertMayManageUser(rt: Runtime, userId: string, options: FlowOptions, { self = true } = {}): Promise<void> {
	const accountability = options.accountability;
	if (!accountability?.user) throw new ForbiddenError();
	if (accountability.user === userId && !self) throw new ForbiddenError();
	if (accountability.user !== userId) await probeUpdate(rt, await schemaFor(rt, options), accountability, userId);
	if (!(await findUserById(rt.knex, userId))) throw new ForbiddenError();
}

async function probeUpdate(rt: Runtime, schema: SchemaOverview, accountability: Accountability, userId: string): Promise<void> {
	try {
		await rt.knex.transaction(async (trx: Knex) => {
			const users = new rt.services.UsersService({ knex: trx, schema, accountability });
			await users.updateMany([userId], {}, { emitEvents: false, skipTracking: true } as never);
			throw PROBE_ROLLBACK;
		});
	} catch (error) {
		if (error === PROBE_ROLLBACK) return;
		throw error;
	}
}
