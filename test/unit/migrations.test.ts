// The migration runner against a real SQLite file: numbered, applied once, idempotent, and
// willing to adopt tables made before the runner existed.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { createTableIfMissing, extensionTables, keepOutOfHostSchema, migrate, MIGRATIONS_TABLE, type Migration } from '../../src/shared/migrations.js';
import { START_UP } from '../../src/capabilities.js';

const MIGRATIONS = START_UP.migrations;
import { SHARED_MIGRATIONS } from '../../src/shared/runtime.js';

describe('migrations (SQLite)', () => {
	const store = useSqliteStore(async () => {});

	it('applies each migration once, in id order, and records it', async () => {
		const ran: string[] = [];
		const list: Migration[] = [
			{ id: '0002-second', tables: [], up: async () => void ran.push('0002') },
			{ id: '0001-first', tables: ['m_first'], up: async (knex) => (ran.push('0001'), createTableIfMissing(knex, 'm_first', (t) => t.string('id').primary())) },
		];
		await migrate(store.knex, list);
		await migrate(store.knex, list);
		expect(ran).toEqual(['0001', '0002']);
		expect((await store.knex(MIGRATIONS_TABLE).select('id').orderBy('id')).map((r) => r.id)).toEqual(['0001-first', '0002-second']);
		expect(await store.knex.schema.hasTable('m_first')).toBe(true);
	});

	it('a new migration runs on a database that has the older ones', async () => {
		const ran: string[] = [];
		await migrate(store.knex, [{ id: '0001-first', tables: [], up: async () => void ran.push('again') }, { id: '0003-third', tables: [], up: async () => void ran.push('0003') }]);
		expect(ran).toEqual(['0003']);
	});

	it('refuses a malformed or duplicate id', async () => {
		await expect(migrate(store.knex, [{ id: 'first', tables: [], up: async () => {} }])).rejects.toThrow(/migration id/);
		await expect(migrate(store.knex, [{ id: '0009-x', tables: [], up: async () => {} }, { id: '0009-x', tables: [], up: async () => {} }])).rejects.toThrow(/duplicate/);
	});

	it("the bundle's migrations have unique, well-formed ids and adopt existing tables", async () => {
		const { knex } = store;
		await knex.schema.createTable('user_lifecycle_tokens', (t) => t.string('id').primary()); // made before the runner existed
		const all = [...SHARED_MIGRATIONS, ...MIGRATIONS];
		await migrate(knex, all);
		await migrate(knex, all);
		const recorded = (await knex(MIGRATIONS_TABLE).select('id')).map((r) => r.id);
		expect(recorded).toEqual(expect.arrayContaining(all.map((m) => m.id)));
		expect(await knex.schema.hasTable('user_lifecycle_otp_steps')).toBe(true);
		expect(await knex.schema.hasTable('user_lifecycle_suspensions')).toBe(true);
	});

	it('each migration names every table it creates (they are what the host is told to leave out of its schema)', async () => {
		const { knex } = store;
		const all = [...SHARED_MIGRATIONS, ...MIGRATIONS];
		await migrate(knex, all);
		const made = (await knex('sqlite_master').select('name').where({ type: 'table' }).andWhere('name', 'like', 'user_lifecycle_%')).map((r) => r.name).sort();
		expect(extensionTables(all).sort()).toEqual(made);
	});
});

describe('keepOutOfHostSchema', () => {
	it("adds the tables to the host's DB_EXCLUDE_TABLES, keeping the project's own list (array or CSV)", () => {
		const fromArray: Record<string, unknown> = { DB_EXCLUDE_TABLES: ['spatial_ref_sys', 'sysdiagrams'] };
		keepOutOfHostSchema(fromArray, ['user_lifecycle_tokens', 'sysdiagrams']);
		expect(fromArray['DB_EXCLUDE_TABLES']).toEqual(['spatial_ref_sys', 'sysdiagrams', 'user_lifecycle_tokens']);
		const fromCsv: Record<string, unknown> = { DB_EXCLUDE_TABLES: 'legacy, audit_old' };
		keepOutOfHostSchema(fromCsv, ['user_lifecycle_tokens']);
		expect(fromCsv['DB_EXCLUDE_TABLES']).toEqual(['legacy', 'audit_old', 'user_lifecycle_tokens']);
		const unset: Record<string, unknown> = {};
		keepOutOfHostSchema(unset, ['user_lifecycle_tokens']);
		expect(unset['DB_EXCLUDE_TABLES']).toEqual(['user_lifecycle_tokens']);
	});
});
