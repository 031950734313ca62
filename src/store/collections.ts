// The extension's own tables that admins browse in the Data Studio (a row in directus_collections
// each). Writes stay ours: see hook/read-only-collections.ts.
import type { Knex } from 'knex';
import { AUDIT_TABLE } from './audit.js';
import { OUTBOX_TABLE } from './outbox.js';

export interface CollectionMeta {
	collection: string;
	icon: string;
	note: string;
}

export const STUDIO_COLLECTIONS: CollectionMeta[] = [
	{ collection: AUDIT_TABLE, icon: 'history', note: 'User lifecycle events: every status change and two-factor reset (read-only)' },
	{ collection: OUTBOX_TABLE, icon: 'outbox', note: 'User lifecycle mail outbox: queued, sent and failed mails (read-only)' },
];

/** Lists the studio collections in directus_collections where they are missing (idempotent). */
export async function ensureStudioCollections(knex: Knex): Promise<void> {
	for (const meta of STUDIO_COLLECTIONS) {
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
