// The extension's own tables that admins browse in the Data Studio (a row in directus_collections
// each). They are read-only for everyone, admins included: the extension writes them with knex,
// never through the host's item services.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { ForbiddenError } from './util/errors.js';
import { AUDIT_TABLE } from './audit.js';
import { OUTBOX_TABLE } from './outbox/store.js';

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

/** Refuses every write to the studio collections through the host's item services (REST, GraphQL, Data Studio, Flows). */
export function registerReadOnlyCollections(register: RegisterFunctions): void {
	for (const { collection } of STUDIO_COLLECTIONS) {
		for (const action of ['create', 'update', 'delete']) {
			register.filter(`${collection}.items.${action}`, () => {
				throw new ForbiddenError();
			});
		}
	}
}
