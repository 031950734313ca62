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

/** The studio collections that have no directus_collections row yet. */
export async function unlistedCollections(knex: Knex): Promise<CollectionMeta[]> {
	const rows = await knex('directus_collections').select('collection').whereIn('collection', STUDIO_COLLECTIONS.map((c) => c.collection));
	const listed = new Set(rows.map((r: { collection: string }) => r.collection));
	return STUDIO_COLLECTIONS.filter((c) => !listed.has(c.collection));
}
