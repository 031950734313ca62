// The host's description of `directus_users`' columns, for the checks in user-fields.ts: types,
// nullability and precision from the schema overview, lengths from the host's column inspector
// (the overview has no `max_length`), and the collection a relational field points to.
import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { Runtime } from '../shared/runtime.js';
import { USERS_TABLE } from '../shared/users.js';
import type { ColumnFacts } from './user-fields.js';

interface HostColumnInfo {
	name: string;
	max_length?: number | null;
}

interface HostFieldsService {
	columnInfo(collection: string): Promise<HostColumnInfo[]>;
}

/** Read once per schema the host hands out (it keeps one until the schema changes). */
const cache = new WeakMap<SchemaOverview, Promise<Map<string, ColumnFacts>>>();

export function userColumns(rt: Runtime, schema: SchemaOverview): Promise<Map<string, ColumnFacts>> {
	let facts = cache.get(schema);
	if (!facts) {
		facts = readUserColumns(rt, schema);
		cache.set(schema, facts);
		facts.catch(() => cache.delete(schema));
	}
	return facts;
}

async function readUserColumns(rt: Runtime, schema: SchemaOverview): Promise<Map<string, ColumnFacts>> {
	const fields = schema.collections[USERS_TABLE]?.fields ?? {};
	const { FieldsService } = rt.services as unknown as { FieldsService: new (options: Record<string, unknown>) => HostFieldsService };
	const info = await new FieldsService({ knex: rt.knex, schema, accountability: null }).columnInfo(USERS_TABLE);
	const lengths = new Map(info.map((column) => [column.name, typeof column.max_length === 'number' ? column.max_length : null]));
	return new Map(
		Object.entries(fields).map(([name, field]) => [
			name,
			{ type: String(field.type), maxLength: lengths.get(name) ?? null, nullable: field.nullable !== false, precision: field.precision ?? null, scale: field.scale ?? null },
		]),
	);
}

/**
 * The first relational field of `values` (an extra field such as `avatar`) whose value points to
 * no row, as `"field" problem`, or null: the database's foreign key would refuse it on an INSERT.
 */
export async function firstMissingReference(knex: Knex, schema: SchemaOverview, values: Record<string, unknown>): Promise<string | null> {
	for (const [field, value] of Object.entries(values)) {
		if (value === null || value === undefined) continue;
		const relation = schema.relations.find((r) => r.collection === USERS_TABLE && r.field === field && r.related_collection);
		const related = relation?.related_collection ? schema.collections[relation.related_collection] : undefined;
		if (!related) continue;
		const row = await knex(related.collection).select(related.primary).where(related.primary, value as string | number).first();
		if (!row) return `"${field}" doesn't point to an existing item`;
	}
	return null;
}
