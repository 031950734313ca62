// The reads of `directus_users` several capabilities make, and the one status move the periodic
// jobs share (a capability's own reads live with it). Writes that the host must see go through its UsersService; the reads here
// use knex because the host's service would apply the caller's permissions, which these lookups
// (by design) must not.
import type { Accountability, ApiExtensionContext, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { runAsFlow } from './flow-scope.js';
import { ForbiddenError } from './util/errors.js';

/** What these reads and moves take of the runtime (the runtime itself reads users here: no import back). */
type HostAccess = { knex: Knex; services: ApiExtensionContext['services']; getSchema: ApiExtensionContext['getSchema'] };

export const USERS_TABLE = 'directus_users';
/** The host's own (password) auth provider. */
export const DEFAULT_PROVIDER = 'default';

export interface UserRow {
	id: string;
	email: string | null;
	status: string;
	role: string | null;
	provider: string;
	first_name?: string | null;
	last_name?: string | null;
	language?: string | null;
}

export const USER_FIELDS = ['id', 'email', 'status', 'role', 'provider', 'first_name', 'last_name', 'language'];

/** Emails compare case-insensitively, as the host's login does. */
export const byEmail = (query: Knex.QueryBuilder, email: string) => query.whereRaw('LOWER(??) = ?', ['email', email.toLowerCase()]);

export async function findUserByEmail(knex: Knex, email: string): Promise<UserRow | undefined> {
	return byEmail(knex(USERS_TABLE).select(USER_FIELDS), email).first();
}

export async function findUserById(knex: Knex, id: string): Promise<UserRow | undefined> {
	return knex(USERS_TABLE).select(USER_FIELDS).where({ id }).first();
}

/**
 * The user as the caller may see it: the host decides, reading through its UsersService with the
 * caller's accountability (its 403 for a user the caller can't read, or that doesn't exist).
 */
export async function readableUser(rt: Pick<HostAccess, 'services'>, knex: Knex, accountability: Accountability | null, schema: SchemaOverview, id: string): Promise<UserRow> {
	await new rt.services.UsersService({ knex, schema, accountability }).readOne(id, { fields: ['id'] });
	const user = await findUserById(knex, id);
	if (!user) throw new ForbiddenError();
	return user;
}

/**
 * Moves those of `userIds` still in `from` to `to`, as the system, in one transaction with the
 * audit records the guard writes (and `alsoInTransaction`). Rows that changed meanwhile are left
 * alone. The periodic jobs' one write.
 */
export async function moveStatus(
	rt: HostAccess,
	userIds: string[],
	change: { from: string; to: string; via: string; reason: string },
	alsoInTransaction?: (trx: Knex) => Promise<void>,
): Promise<number> {
	const schema = await rt.getSchema();
	return runAsFlow({ via: change.via, actor: null, reason: change.reason }, () =>
		rt.knex.transaction(async (trx) => {
			const rows = await trx(USERS_TABLE).select('id').whereIn('id', userIds).where({ status: change.from });
			const ids = rows.map((row: { id: unknown }) => String(row.id));
			if (ids.length > 0) await new rt.services.UsersService({ knex: trx, schema, accountability: null }).updateMany(ids, { status: change.to });
			await alsoInTransaction?.(trx);
			return ids.length;
		}),
	);
}

// --- two-factor enforcement (the host's policies' `enforce_tfa`) -------------------------------

/**
 * The access rows of policies that enforce two-factor for this user: attached to the user, or to
 * one of `roles` (the user's role and its parents, as the host's accountability lists them).
 */
function enforcingAccess(knex: Knex, userId: string, roles: readonly string[]): Knex.QueryBuilder {
	return knex('directus_access')
		.join('directus_policies', 'directus_policies.id', 'directus_access.policy')
		.where('directus_policies.enforce_tfa', true)
		.where((scope) => {
			scope.where('directus_access.user', userId);
			if (roles.length > 0) scope.orWhereIn('directus_access.role', [...roles]);
		})
		.select(knex.raw('1'));
}

/**
 * True when a policy enforces two-factor for the user and the user has none yet: one query (the
 * user by primary key, the policies by their access rows), run on every authenticated request.
 * Without `roles` (a caller who knows only the id), the role tree is read first.
 */
export async function mustSetUpTwoFactor(knex: Knex, userId: string, roles?: readonly string[]): Promise<boolean> {
	const row = await knex(USERS_TABLE)
		.where({ id: userId })
		.whereNull('tfa_secret')
		.whereExists(enforcingAccess(knex, userId, roles ?? (await roleTree(knex, userId))))
		.first(knex.raw('1 as found'));
	return row !== undefined;
}

/** Whether a policy enforces two-factor for the user; the role tree is read when the caller has none at hand. */
export async function twoFactorEnforced(knex: Knex, userId: string, roles?: readonly string[]): Promise<boolean> {
	const tree = roles ?? (await roleTree(knex, userId));
	const row = await enforcingAccess(knex, userId, tree).first();
	return row !== undefined;
}

/** The user's role and its parents (roles nest), nearest first. */
async function roleTree(knex: Knex, userId: string): Promise<string[]> {
	const user = await knex(USERS_TABLE).select('role').where({ id: userId }).first();
	const tree: string[] = [];
	let next: string | null = user?.role ?? null;
	// A cycle can't be saved by the host, but a hand-edited database must not loop us forever.
	while (next !== null && !tree.includes(next)) {
		tree.push(next);
		const role: { parent: string | null } | undefined = await knex('directus_roles').select('parent').where({ id: next }).first();
		next = role?.parent ?? null;
	}
	return tree;
}
