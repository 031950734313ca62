// The Data Studio module in the host's module bar (`directus_settings.module_bar`), added once on
// the first start: a numbered step of the migration runner, so an admin who later unticks or
// moves it keeps that choice. An empty setting means the host's default bar, which is written out
// with the module in it (after Users, where admins look for people).
import type { Knex } from 'knex';
import type { Migration } from '../shared/migrations.js';

export const MODULE_ID = 'user-lifecycle';

type BarItem = { type: 'module' | 'link'; id: string; enabled: boolean; [key: string]: unknown };

/** The host's own bar when `module_bar` is empty (Directus 12's app default). */
export const HOST_DEFAULT_BAR: readonly BarItem[] = [
	{ type: 'module', id: 'content', enabled: true },
	{ type: 'module', id: 'visual', enabled: false },
	{ type: 'module', id: 'users', enabled: true },
	{ type: 'module', id: 'files', enabled: true },
	{ type: 'module', id: 'insights', enabled: true },
	{ type: 'module', id: 'flows', enabled: true },
	{ type: 'module', id: 'deployments', enabled: false },
	{ type: 'link', id: 'docs', enabled: true, name: '$t:documentation', icon: 'help', url: 'https://directus.com/docs' },
	{ type: 'module', id: 'settings', enabled: true, locked: true },
];

/** The bar with the module in it, enabled; unchanged when it is already listed (enabled or not). */
export function withModule(bar: readonly BarItem[] | null): BarItem[] {
	const items = [...(bar && bar.length > 0 ? bar : HOST_DEFAULT_BAR)];
	if (items.some((item) => item.type === 'module' && item.id === MODULE_ID)) return items;
	const users = items.findIndex((item) => item.type === 'module' && item.id === 'users');
	const settings = items.findIndex((item) => item.type === 'module' && item.id === 'settings');
	const at = users >= 0 ? users + 1 : settings >= 0 ? settings : items.length;
	items.splice(at, 0, { type: 'module', id: MODULE_ID, enabled: true });
	return items;
}

function readBar(value: unknown): BarItem[] | null {
	if (value === null || value === undefined || value === '') return null;
	const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
	return Array.isArray(parsed) ? (parsed as BarItem[]) : null;
}

async function addModuleToBar(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable('directus_settings'))) return; // not a Directus database (the runner's own tests)
	const row = await knex('directus_settings').select('id', 'module_bar').orderBy('id').first();
	if (!row) {
		await knex('directus_settings').insert({ module_bar: JSON.stringify(withModule(null)) });
		return;
	}
	let bar: BarItem[] | null;
	try {
		bar = readBar(row.module_bar);
	} catch {
		return; // a value the host can't read either: left to the admin
	}
	await knex('directus_settings').where({ id: row.id }).update({ module_bar: JSON.stringify(withModule(bar)) });
}

export const MODULE_BAR_MIGRATIONS: Migration[] = [{ id: '0014-module-bar', tables: [], up: addModuleToBar }];
