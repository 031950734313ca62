// "May the caller write this?" — the host decides, not us. The write is made through the host's
// UsersService with the caller's accountability and never kept: it runs in a transaction (a
// savepoint inside one) that is always rolled back, and a create is stopped by the host itself
// right before its insert. A refusal is the host's own error (403 FORBIDDEN), field rules and all.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { schemaFor, type FlowOptions } from './host.js';
import { flowOptions, requireUser, type HostRequest } from './http.js';
import { noQuery, parseInput, pathId } from './input.js';
import type { Runtime } from './runtime.js';
import { findUserById } from './users.js';
import { ForbiddenError } from './util/errors.js';

/** Ends a probe; never leaves this module. */
const PROBE_ONLY = Symbol('permission probe');

type UsersService = InstanceType<Runtime['services']['UsersService']>;

/**
 * Runs `write` as the caller, then rolls it back. `write` gets the service and the options that
 * stop a create before its insert (`preMutationError`); the host's refusal is thrown as it is.
 */
export async function probeUsersWrite(
	rt: Pick<Runtime, 'services'>,
	knex: Knex,
	schema: SchemaOverview,
	accountability: Accountability,
	write: (users: UsersService, stop: { preMutationError: unknown }) => Promise<unknown>,
): Promise<void> {
	try {
		await knex.transaction(async (trx: Knex) => {
			await write(new rt.services.UsersService({ knex: trx, schema, accountability }), { preMutationError: PROBE_ONLY });
			throw PROBE_ONLY;
		});
	} catch (error) {
		if (error === PROBE_ONLY) return;
		throw error;
	}
}

/**
 * Who may act on another user's account from our admin routes (sessions, login lock): whoever the
 * host lets update that user's `status`, the field that decides whether they may sign in (probed
 * with the status they have: an empty update would pass with update permission on any one field).
 * The host's 403 alike for a real and a made-up id. Their own account needs no probe, unless
 * `self: false`: then it is refused outright (a step that would weaken a protection of the
 * account, taken with nothing but its own token).
 */
export async function assertMayManageUser(rt: Runtime, userId: string, options: FlowOptions, { self = true } = {}): Promise<void> {
	const accountability = options.accountability;
	if (!accountability?.user) throw new ForbiddenError();
	if (accountability.user === userId && !self) throw new ForbiddenError();
	const user = await findUserById(rt.knex, userId);
	if (accountability.user !== userId) {
		await probeUsersWrite(rt, rt.knex, await schemaFor(rt, options), accountability, (users) =>
			users.updateMany([userId], { status: user?.status ?? 'active' }, { emitEvents: false, skipTracking: true } as never),
		);
	}
	if (!user) throw new ForbiddenError();
}

const userIdParam = pathId('id');

/**
 * Whose account a `/users/:id/...` admin route is about (no query string), and the caller acting on
 * it, once assertMayManageUser let the caller manage that user (`self` as there).
 */
export async function managedUser(rt: Runtime, req: HostRequest, { self }: { self: boolean }): Promise<{ user: string; actor: string }> {
	const actor = requireUser(req);
	const { id } = parseInput(userIdParam, req.params);
	parseInput(noQuery, req.query);
	await assertMayManageUser(rt, id, flowOptions(req), { self });
	return { user: id, actor };
}
