// Prepared statements (src/status/prepared.ts) on a real SQLite file and, when it answers, the
// machine's PostgreSQL: the same rows as knex, the same transactions, one preparation per
// connection, connections that still close, and named statements that turn themselves off when a
// pooler loses them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configurePreparedStatements, preparedSql, preparesOn, runPrepared } from '../../src/status/prepared.js';

const read = preparedSql('select "id", "name" from "prepared_probe" where "id" in (?, ?) order by "id"', 'select "id", "name" from "prepared_probe" where "id" in ($1, $2) order by "id"');
const write = preparedSql('insert into "prepared_probe" ("id", "name") values (?, ?)', 'insert into "prepared_probe" ("id", "name") values ($1, $2)');

async function createProbeTable(knex: Knex): Promise<void> {
	await knex.schema.dropTableIfExists('prepared_probe');
	await knex.schema.createTable('prepared_probe', (table) => {
		table.string('id', 36).primary();
		table.string('name', 64);
	});
	await knex('prepared_probe').insert([
		{ id: 'a', name: 'first' },
		{ id: 'b', name: 'second' },
	]);
}

/** The same cases on each database. */
function sharedCases(open: () => Knex) {
	it('reads the rows knex reads', async () => {
		const knex = open();
		expect(preparesOn(knex)).toBe(true);
		const viaKnex = await knex('prepared_probe').select('id', 'name').whereIn('id', ['a', 'b']).orderBy('id');
		expect(await runPrepared(knex, read, ['a', 'b'])).toEqual(viaKnex);
		// Again: the prepared statement is reused with other values.
		expect(await runPrepared(knex, read, ['b', 'zz'])).toEqual([{ id: 'b', name: 'second' }]);
	});

	it("takes part in knex's transactions: a rollback takes the write with it, a commit keeps it", async () => {
		const knex = open();
		await expect(
			knex.transaction(async (trx) => {
				await runPrepared(trx, write, ['rolled-back', 'x'], { write: true });
				expect(await runPrepared(trx, read, ['rolled-back', 'a'])).toHaveLength(2);
				throw new Error('roll back');
			}),
		).rejects.toThrow('roll back');
		expect(await knex('prepared_probe').where({ id: 'rolled-back' })).toHaveLength(0);
		await knex.transaction((trx) => runPrepared(trx, write, ['kept', 'y'], { write: true }));
		expect(await knex('prepared_probe').where({ id: 'kept' }).first()).toEqual({ id: 'kept', name: 'y' });
	});

	it('refuses to run in a transaction that has ended', async () => {
		const knex = open();
		const trx = await knex.transaction();
		await trx.commit();
		await expect(runPrepared(trx, read, ['a', 'b'])).rejects.toThrow(/already complete/);
	});

	it('a failing statement fails, with the database error', async () => {
		const knex = open();
		await expect(runPrepared(knex, write, ['a', 'duplicate'], { write: true })).rejects.toThrow();
		expect(await knex('prepared_probe').where({ id: 'a' }).first()).toEqual({ id: 'a', name: 'first' });
	});
}

describe('prepared statements on SQLite', () => {
	let dir = '';
	let knex: Knex;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ul-prepared-'));
		knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await createProbeTable(knex);
	});
	afterAll(async () => {
		await knex.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	sharedCases(() => knex);

	it('prepares each text once per connection', async () => {
		const client = knex.client as { acquireConnection(): Promise<{ prepare: (sql: string) => unknown }>; releaseConnection(c: unknown): Promise<void> };
		const connection = await client.acquireConnection();
		const prepare = connection.prepare.bind(connection);
		const prepared: string[] = [];
		connection.prepare = (sql: string) => {
			prepared.push(sql);
			return prepare(sql);
		};
		await client.releaseConnection(connection);
		const other = preparedSql('select count(*) as n from "prepared_probe" where "name" = ?', 'unused');
		for (let i = 0; i < 5; i++) expect(await runPrepared(knex, other, ['first'])).toEqual([{ n: 1 }]);
		expect(prepared).toEqual([other.sqlite]);
	});

	it('a connection with statements held still closes (they are finalized first)', async () => {
		const own = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await runPrepared(own, read, ['a', 'b']);
		await runPrepared(own, write, ['closing', 'z'], { write: true });
		const client = own.client as { acquireConnection(): Promise<{ close(cb: (error: Error | null) => void): void }>; releaseConnection(c: unknown): Promise<void> };
		const connection = await client.acquireConnection();
		// Without the finalizing, SQLite answers SQLITE_BUSY (unfinalized statements).
		const closed = await new Promise<Error | null>((resolve) => connection.close(resolve));
		await client.releaseConnection(connection);
		await own.destroy().catch(() => undefined);
		expect(closed).toBeNull();
	});
});

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };

async function postgresAnswers(): Promise<boolean> {
	const knex = knexFactory({ client: 'pg', connection: PG, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 2000 });
	try {
		await knex.raw('select 1');
		return true;
	} catch {
		console.warn('[prepared.test] PostgreSQL does not answer on 127.0.0.1:5432: its cases are skipped');
		return false;
	} finally {
		await knex.destroy();
	}
}

describe.skipIf(!(await postgresAnswers()))('prepared statements on PostgreSQL', () => {
	let knex: Knex;
	beforeAll(async () => {
		// One connection: the statements it holds can be looked at.
		knex = knexFactory({ client: 'pg', connection: PG, pool: { min: 1, max: 1 } });
		await createProbeTable(knex);
	});
	afterAll(async () => {
		configurePreparedStatements({ named: true });
		await knex.schema.dropTableIfExists('prepared_probe');
		await knex.destroy();
	});

	sharedCases(() => knex);

	const held = async () => (await knex.raw('select name from pg_prepared_statements')).rows.map((row: { name: string }) => row.name);

	it('runs as a named statement, prepared once on the connection', async () => {
		await runPrepared(knex, read, ['a', 'b']);
		await runPrepared(knex, read, ['a', 'b']);
		expect((await held()).filter((name: string) => name === read.name)).toHaveLength(1);
	});

	it('a lost statement (a pooler switched server connections) turns named statements off: outside a transaction it runs again unnamed; inside one it fails once', async () => {
		let told = 0;
		configurePreparedStatements({ named: true, lost: () => told++ });
		await runPrepared(knex, read, ['a', 'b']);
		// What a pooler does: the server connection no longer has it, the client thinks it does.
		await knex.raw(`deallocate "${read.name}"`);
		expect(await runPrepared(knex, read, ['a', 'b'])).toHaveLength(2);
		expect(told).toBe(1);
		// From now on unnamed: nothing is prepared again.
		const unseen = preparedSql('unused', 'select count(*)::int as n from "prepared_probe" where "id" = $1');
		expect(await runPrepared(knex, unseen, ['a'])).toEqual([{ n: 1 }]);
		expect(await held()).not.toContain(unseen.name);

		// Inside a transaction the statement's failure is the transaction's.
		configurePreparedStatements({ named: true, lost: () => told++ });
		const other = preparedSql('unused', `insert into "prepared_probe" ("id", "name") values ($1, $2 || '')`);
		await runPrepared(knex, other, ['before-lost', 'w'], { write: true });
		await knex.raw('deallocate all');
		await expect(knex.transaction((trx) => runPrepared(trx, other, ['in-trx', 'w'], { write: true }))).rejects.toMatchObject({ code: '26000' });
		expect(told).toBe(2);
		expect(await knex('prepared_probe').where({ id: 'in-trx' })).toHaveLength(0);
		// And the next write goes through, unnamed.
		await knex.transaction((trx) => runPrepared(trx, other, ['in-trx', 'w'], { write: true }));
		expect(await knex('prepared_probe').where({ id: 'in-trx' })).toHaveLength(1);
	});

	it('USER_LIFECYCLE_DB_PREPARED_STATEMENTS=false: unnamed from the start', async () => {
		configurePreparedStatements({ named: false });
		await knex.raw('deallocate all');
		const fresh = preparedSql('unused', 'select count(*)::int as n from "prepared_probe" where "name" = $1');
		expect(await runPrepared(knex, fresh, ['first'])).toEqual([{ n: 1 }]);
		expect(await held()).not.toContain(fresh.name);
	});
});
