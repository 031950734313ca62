// The extension's own tables that admins browse in the Data Studio (a row in directus_collections
// each). They are read-only for everyone, admins included: the extension writes them with knex,
// never through the host's item services.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { ForbiddenError } from './util/errors.js';
import { AUDIT_TABLE } from './audit.js';

export interface CollectionMeta {
	collection: string;
	icon: string;
	note: string;
}

/** The audit trail's collection (shared), then those the capabilities declare (`studioCollections`). */
export function studioCollections(ofCapabilities: readonly CollectionMeta[]): CollectionMeta[] {
	return [{ collection: AUDIT_TABLE, icon: 'history', note: 'User lifecycle events: every status change and two-factor reset (read-only)' }, ...ofCapabilities];
}

/** Lists the studio collections in directus_collections where they are missing (idempotent). */
export async function ensureStudioCollections(knex: Knex, collections: readonly CollectionMeta[]): Promise<void> {
	for (const meta of collections) {
		const listed = async () => Boolean(await knex('directus_collections').select('collection').where({ collection: meta.collection }).first());
		if (await listed()) continue;
		try {
			// No activity or revisions for rows the extension writes itself.
			await knex('directus_collections').insert({ collection: meta.collection, icon: meta.icon, note: meta.note, hidden: false, singleton: false, accountability: null });
		} catch (error) {
			// Another instance listed it first.
			if (!(await listed())) throw error;
		}
	}
}

/** Refuses every write to the studio collections through the host's item services (REST, GraphQL, Data Studio, Flows). */
export function registerReadOnlyCollections(register: RegisterFunctions, collections: readonly CollectionMeta[]): void {
	for (const { collection } of collections) {
		for (const action of ['create', 'update', 'delete']) {
			register.filter(`${collection}.items.${action}`, () => {
				throw new ForbiddenError();
			});
		}
	}
}
