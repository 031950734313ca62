// Flows go through the guard too. The host's "Create Data" / "Update Data" operations write with
// a plain ItemsService and, by default, with events off, so no `users.*` filter would see a Flow
// move `invited -> active` or write `tfa_secret`. Every such operation on directus_users is kept
// with events on (when it is saved, and once at start-up for the ones saved before): its writes
// then meet the guard like any other, with the operation's own accountability.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import type { Runtime } from '../shared/runtime.js';
import { USERS_TABLE } from '../shared/users.js';

const WRITE_OPERATIONS = new Set(['item-create', 'item-update']);

type OperationOptions = Record<string, unknown> & { collection?: unknown; emitEvents?: unknown };

function parseOptions(value: unknown): OperationOptions | null {
	if (typeof value === 'string') {
		try {
			return parseOptions(JSON.parse(value));
		} catch {
			return null;
		}
	}
	return value && typeof value === 'object' && !Array.isArray(value) ? (value as OperationOptions) : null;
}

/** The options with events forced on, when they write directus_users with events off; null otherwise. */
export function withUserEvents(type: unknown, rawOptions: unknown): OperationOptions | null {
	const options = parseOptions(rawOptions);
	if (!options || !WRITE_OPERATIONS.has(String(type)) || options.collection !== USERS_TABLE || options.emitEvents === true) return null;
	return { ...options, emitEvents: true };
}

export function registerFlowOperationGuard(register: RegisterFunctions, rt: Runtime): void {
	register.filter('operations.create', (payload) => {
		const item = payload as Record<string, unknown>;
		const options = withUserEvents(item['type'], item['options']);
		return options ? { ...item, options } : payload;
	});
	register.filter('operations.update', async (payload, meta, context) => {
		const item = payload as Record<string, unknown>;
		if (!('options' in item) && !('type' in item)) return payload;
		// A partial update may carry only the options (or only the type): judge the stored rest.
		const keys = ((meta as { keys?: unknown[] }).keys ?? []).map(String);
		// The write's own connection: on SQLite the pool's one connection may be inside its transaction.
		const database = ((context as { database?: Knex }).database ?? rt.knex) as Knex;
		const stored = keys.length > 0 ? await database('directus_operations').select('id', 'type', 'options').whereIn('id', keys) : [];
		let forced: OperationOptions | null = null;
		for (const row of stored) {
			forced ??= withUserEvents(item['type'] ?? row.type, 'options' in item ? item['options'] : row.options);
		}
		return forced ? { ...item, options: forced } : payload;
	});
	// Operations saved before the extension came: through the host's service, so its flows reload.
	register.init('app.after', async () => {
		try {
			await rt.ready;
			const rows = await rt.knex('directus_operations').select('id', 'type', 'options').whereIn('type', [...WRITE_OPERATIONS]);
			const fixes = rows.flatMap((row) => {
				const options = withUserEvents(row.type, row.options);
				return options ? [{ id: row.id, options }] : [];
			});
			if (fixes.length === 0) return;
			const operations = new rt.services.OperationsService({ knex: rt.knex, schema: await rt.getSchema(), accountability: null });
			await operations.updateBatch(fixes);
			rt.logger.info(`[user-lifecycle] ${fixes.length} flow operation(s) writing directus_users now emit events, so the guard sees their writes`);
		} catch (error) {
			rt.logger.error(error, '[user-lifecycle] could not turn events on for flow operations writing directus_users');
		}
	});
}
