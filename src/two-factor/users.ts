// The user as the two-factor flows read it: with its secret and provider.
import type { Knex } from 'knex';
import { byEmail, USERS_TABLE } from '../shared/users.js';

const TFA_FIELDS = ['id', 'email', 'status', 'provider', 'external_identifier', 'tfa_secret'];

/** A user with what the two-factor flows need. */
export interface TwoFactorUserRow {
	id: string;
	email: string | null;
	status: string;
	provider: string;
	external_identifier: string | null;
	tfa_secret: string | null;
}

export async function findTwoFactorUser(knex: Knex, where: { id: string } | { email: string }): Promise<TwoFactorUserRow | undefined> {
	const query = knex(USERS_TABLE).select(TFA_FIELDS);
	return ('id' in where ? query.where({ id: where.id }) : byEmail(query, where.email)).first();
}
