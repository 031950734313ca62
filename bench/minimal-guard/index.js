// Bench fixture, not part of the extension: the least any guard that keeps the status contract can
// do on a write through the host's services, written the way an extension author would (the
// host's query builder, no caching, nothing else):
// - a refusal must come before the write, and the host fires no hook inside its transaction
//   before its UPDATE: so the users' current statuses are read in the `users.update` filter;
// - the record must share the write's fate: so one audit row per user is inserted from the
//   `activity.create` filter, which the host runs inside its write transaction.
// It refuses nothing (every transition is allowed), ends no sessions and keeps no other state.
// `BENCH_MINIMAL=1 npm run bench` loads it in a fourth host for the two PATCH figures (see
// bench/run.mjs for why that is not on by default).
const TABLE = 'bench_minimal_guard_audit';

export default ({ filter }, { database }) => {
	const ready = database.schema.hasTable(TABLE).then((has) => {
		if (has) return;
		return database.schema.createTable(TABLE, (table) => {
			table.increments('id');
			table.string('user_id', 36).notNullable();
			table.string('from_status', 16);
			table.string('to_status', 16);
			table.bigInteger('at').notNullable();
		});
	});
	// Per request (the host hands each request its own schema object): the rows to record.
	const checked = new WeakMap();

	filter('users.update', async (payload, meta, context) => {
		if (!('status' in payload) || !meta.keys?.length) return payload;
		await ready;
		const rows = await context.database('directus_users').select('id', 'status').whereIn('id', meta.keys);
		const at = Date.now();
		checked.set(context.schema, rows.map((row) => ({ user_id: String(row.id), from_status: row.status, to_status: String(payload.status), at })));
		return payload;
	});

	// Called once per activity row (1,000 times on a bulk update): only the first of a write waits.
	filter('activity.create', (payload, _meta, context) => {
		const rows = payload.collection === 'directus_users' ? checked.get(context.schema) : undefined;
		if (!rows) return payload;
		checked.delete(context.schema);
		const insert = async () => {
			for (let i = 0; i < rows.length; i += 250) await context.database(TABLE).insert(rows.slice(i, i + 250));
			return payload;
		};
		return insert();
	});
};
