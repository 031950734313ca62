// The host's description of `directus_users`' columns, for the checks in user-fields.ts: types,
// nullability and precision from the schema overview, lengths from the host's column inspector
// (the overview has no `max_length`), and the collection a relational field points to.
import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { Runtime } from '../shared/runtime.js';
import { USERS_TABLE } from '../shared/users.js';
import { KeptFor } from '../shared/util/kept-for.js';
import type { ColumnFacts } from './user-fields.js';

interface HostColumnInfo {
	name: string;
	max_length?: number | null;
}

interface HostFieldsService {
	columnInfo(collection: string): Promise<HostColumnInfo[]>;
}

/**
 * The columns' lengths, read through the host's inspector at most once per LENGTHS_TTL_MS and
 * runtime: the host hands each request a fresh copy of its schema, so a cache keyed on the schema
 * object read the inspector on every registration (3-4 ms of a request on SQLite, measured). A
 * field change on this instance drops them at once (registration's hooks); one made on another
 * instance shows within the TTL — until then the database's own limit answers a too-long value.
 */
export const LENGTHS_TTL_MS = 30_000;
const lengthsByRuntime = new WeakMap<Runtime, KeptFor<Map<string, number | null>>>();

function keptLengths(rt: Runtime): KeptFor<Map<string, number | null>> {
	let kept = lengthsByRuntime.get(rt);
	if (!kept) lengthsByRuntime.set(rt, (kept = new KeptFor(LENGTHS_TTL_MS)));
	return kept;
}

export function forgetColumnLengths(rt: Runtime): void {
	keptLengths(rt).forget();
}

async function readColumnLengths(rt: Runtime, schema: SchemaOverview): Promise<Map<string, number | null>> {
	const { FieldsService } = rt.services as unknown as { FieldsService: new (options: Record<string, unknown>) => HostFieldsService };
	const info = await new FieldsService({ knex: rt.knex, schema, accountability: null }).columnInfo(USERS_TABLE);
	return new Map(info.map((column) => [column.name, typeof column.max_length === 'number' ? column.max_length : null]));
}

/** What the checks need of each `directus_users` field: types and nullability from this request's schema, lengths from the host's inspector. */
export async function userColumns(rt: Runtime, schema: SchemaOverview): Promise<Map<string, ColumnFacts>> {
	const fields = schema.collections[USERS_TABLE]?.fields ?? {};
	const lengths = await keptLengths(rt).get(() => readColumnLengths(rt, schema));
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
