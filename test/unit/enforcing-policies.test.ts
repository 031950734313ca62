import knexFactory from 'knex';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnforcingPolicies } from '../../src/tfa-enforcement/enforcing-policies.js';

describe('EnforcingPolicies', () => {
	const knex = knexFactory({ client: 'sqlite3', connection: { filename: join(mkdtempSync(join(tmpdir(), 'ul-enf-')), 'db.sqlite') }, useNullAsDefault: true });
	beforeAll(async () => {
		await knex.schema.createTable('directus_policies', (t) => {
			t.string('id').primary();
			t.boolean('enforce_tfa').notNullable().defaultTo(false);
		});
		await knex('directus_policies').insert({ id: 'p1', enforce_tfa: false });
	});
	afterAll(() => knex.destroy());

	it('answers from the table, keeps the answer for the TTL, and reads again once forgotten', async () => {
		const enforcing = new EnforcingPolicies(knex, 60_000);
		expect(await enforcing.any()).toBe(false);
		await knex('directus_policies').update({ enforce_tfa: true });
		expect(await enforcing.any()).toBe(false); // kept
		enforcing.forget();
		expect(await enforcing.any()).toBe(true);
	});

	it('reads again once the TTL ran out', async () => {
		const enforcing = new EnforcingPolicies(knex, 1);
		await knex('directus_policies').update({ enforce_tfa: false });
		expect(await enforcing.any()).toBe(false);
		await knex('directus_policies').update({ enforce_tfa: true });
		await new Promise((r) => setTimeout(r, 5));
		expect(await enforcing.any()).toBe(true);
	});
});
