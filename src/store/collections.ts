// Makes the extension's own tables visible in the Data Studio (a row in directus_collections),
// so admins can browse, filter and sort them. Writes stay ours: see hook/read-only-collections.ts.
import type { Knex } from 'knex';

export interface CollectionMeta {
	collection: string;
	icon: string;
	note: string;
	sortField?: string | null;
}

export async function ensureCollectionMeta(knex: Knex, meta: CollectionMeta): Promise<void> {
	if (!(await knex.schema.hasTable('directus_collections'))) return;
	const existing = await knex('directus_collections').select('collection').where({ collection: meta.collection }).first();
	if (existing) return;
	try {
		await knex('directus_collections').insert({
			collection: meta.collection,
			icon: meta.icon,
			note: meta.note,
			hidden: false,
			singleton: false,
			// No activity or revisions for rows the extension writes itself.
			accountability: null,
			sort_field: meta.sortField ?? null,
		});
	} catch (error) {
		// Another instance registered it first.
		const again = await knex('directus_collections').select('collection').where({ collection: meta.collection }).first();
		if (!again) throw error;
	}
}
