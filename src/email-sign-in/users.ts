// The user as a mailed sign-in reads it: whether two-factor is on, never the secret itself.
import type { Knex } from 'knex';
import { USER_FIELDS, USERS_TABLE, type UserRow } from '../shared/users.js';

export async function findSignInUser(knex: Knex, id: string): Promise<(UserRow & { twoFactor: boolean }) | undefined> {
	const row = await knex(USERS_TABLE).select(USER_FIELDS).select(knex.raw('CASE WHEN ?? IS NULL THEN 0 ELSE 1 END AS ??', ['tfa_secret', 'two_factor'])).where({ id }).first();
	if (!row) return undefined;
	const { two_factor: twoFactor, ...user } = row as UserRow & { two_factor: unknown };
	return { ...user, twoFactor: Number(twoFactor) === 1 };
}
