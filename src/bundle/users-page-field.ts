// The host's Users page shows what the extension knows of a user (a suspension's end, a login
// lock, a link to the account in the module) through an alias field on directus_users with the
// bundle's `user-lifecycle-account` interface. Added once on the first start, a numbered step of
// the migration runner: an admin who hides or deletes the field keeps that choice.
import type { Knex } from 'knex';
import type { Migration } from '../shared/migrations.js';

export const USERS_PAGE_FIELD = 'user_lifecycle';

async function addUsersPageField(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable('directus_fields'))) return; // not a Directus database (the runner's own tests)
	const listed = () => knex('directus_fields').select('id').where({ collection: 'directus_users', field: USERS_PAGE_FIELD }).first();
	if (await listed()) return;
	try {
		await knex('directus_fields').insert({
			collection: 'directus_users',
			field: USERS_PAGE_FIELD,
			special: 'alias,no-data',
			interface: 'user-lifecycle-account',
			readonly: false,
			hidden: false,
			width: 'full',
			note: null,
		});
	} catch (error) {
		// Another instance added it first.
		if (!(await listed())) throw error;
	}
}

export const USERS_PAGE_FIELD_MIGRATIONS: Migration[] = [{ id: '0017-users-page-field', tables: [], up: addUsersPageField }];
