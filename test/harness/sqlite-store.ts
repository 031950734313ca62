// A store module against a real SQLite file: a fresh file per test file, its tables created twice
// (creation must be idempotent), removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';

export function useSqliteStore(ensureTables: (knex: Knex) => Promise<void>): { readonly knex: Knex } {
	let dir = '';
	let knex: Knex | undefined;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ul-store-'));
		knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await ensureTables(knex);
		await ensureTables(knex);
	});
	afterAll(async () => {
		await knex?.destroy();
		rmSync(dir, { recursive: true, force: true });
	});
	return {
		get knex() {
			if (!knex) throw new Error('the SQLite store is not open yet');
			return knex;
		},
	};
}
