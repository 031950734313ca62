// The extension's own tables the host's REST, GraphQL and Data Studio read (a row in
// directus_collections each). They are read-only for everyone, admins included: the extension
// writes them with knex, never through the host's item services. They are hidden from the
// Content module's navigation (its "Create Item" would only be refused): the module's Audit trail
// and Outbox pages show them; an admin can still open them there by URL or show hidden ones.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import type { Migration } from './migrations.js';
import { ForbiddenError } from './util/errors.js';
import { AUDIT_TABLE } from './audit.js';

export interface CollectionMeta {
	collection: string;
	icon: string;
	note: string;
	/** Fields whose type the host must be told (`special`): a bare SQLite column reads as a zone-less date-time. */
	fields?: readonly { field: string; special: string }[];
}

/** The audit trail's collection (shared), then those the capabilities declare (`studioCollections`). */
export function studioCollections(ofCapabilities: readonly CollectionMeta[]): CollectionMeta[] {
	const audit: CollectionMeta = {
		collection: AUDIT_TABLE,
		icon: 'history',
		note: 'User lifecycle events: every status change and two-factor reset (read-only)',
		// An instant: read back as ISO 8601 with its zone (`Z`) on every database, SQLite included.
		fields: [{ field: 'at', special: 'cast-timestamp' }],
	};
	return [audit, ...ofCapabilities];
}

/** Lists the studio collections (and their typed fields) where they are missing (idempotent). */
export async function ensureStudioCollections(knex: Knex, collections: readonly CollectionMeta[]): Promise<void> {
	for (const meta of collections) {
		// No activity or revisions for rows the extension writes itself.
		await insertOnce(knex, 'directus_collections', { collection: meta.collection }, { icon: meta.icon, note: meta.note, hidden: true, singleton: false, accountability: null });
		for (const { field, special } of meta.fields ?? []) {
			await insertOnce(knex, 'directus_fields', { collection: meta.collection, field }, { special, readonly: true, hidden: false });
		}
	}
}

async function insertOnce(knex: Knex, table: string, key: Record<string, string>, values: Record<string, unknown>): Promise<void> {
	const listed = async () => Boolean(await knex(table).select(Object.keys(key)).where(key).first());
	if (await listed()) return;
	try {
		await knex(table).insert({ ...key, ...values });
	} catch (error) {
		// Another instance listed it first.
		if (!(await listed())) throw error;
	}
}

/** Installs from before the module had these pages: their collections leave the Content navigation once. */
export const STUDIO_COLLECTION_MIGRATIONS: Migration[] = [
	{
		id: '0015-studio-collections-hidden',
		tables: [],
		up: async (knex) => {
			if (!(await knex.schema.hasTable('directus_collections'))) return;
			const ours = (await knex('directus_collections').select('collection')).map((row: { collection: string }) => row.collection).filter((name) => name.startsWith('user_lifecycle_'));
			if (ours.length > 0) await knex('directus_collections').whereIn('collection', ours).update({ hidden: true });
		},
	},
];

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
