// The token store against a real SQLite file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/crypto.js';
import { consumeToken, ensureTokenTables, issueToken, issueTokens, liveTokens, pruneTokens, TOKENS_TABLE } from '../../src/store/tokens.js';

describe('token store (SQLite)', () => {
	let dir: string;
	let knex: Knex;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ul-tokens-'));
		knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await ensureTokenTables(knex);
		await ensureTokenTables(knex); // idempotent
	});
	afterAll(async () => {
		await knex.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('stores only a hash, and a token works once', async () => {
		const secret = generateToken();
		await issueToken(knex, { kind: 'verify-email', userId: 'u1', secret, ttlMs: 60_000, data: { then: 'draft' } });
		expect(JSON.stringify(await knex(TOKENS_TABLE).select())).not.toContain(secret);
		const spent = await consumeToken(knex, 'verify-email', secret);
		expect(spent).toMatchObject({ userId: 'u1', data: { then: 'draft' } });
		await expect(consumeToken(knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'INVALID_TOKEN', status: 403 });
	});

	it('a token of another kind, or a forged one, is INVALID_TOKEN', async () => {
		const secret = generateToken();
		await issueToken(knex, { kind: 'invite', userId: 'u2', secret, ttlMs: 60_000 });
		await expect(consumeToken(knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
		await expect(consumeToken(knex, 'invite', generateToken())).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
	});

	it('an expired token is TOKEN_EXPIRED (401)', async () => {
		const secret = generateToken();
		await issueToken(knex, { kind: 'verify-email', userId: 'u3', secret, ttlMs: 0 });
		await expect(consumeToken(knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
	});

	it('reissuing revokes every earlier token of the same kind for that user', async () => {
		const first = generateToken();
		const second = generateToken();
		await issueToken(knex, { kind: 'invite', userId: 'u4', secret: first, ttlMs: 60_000 });
		await issueTokens(knex, 'invite', [{ userId: 'u4', secret: second, ttlMs: 60_000 }]);
		await expect(consumeToken(knex, 'invite', first)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
		expect((await liveTokens(knex, 'invite', ['u4'])).size).toBe(1);
		await expect(consumeToken(knex, 'invite', second)).resolves.toMatchObject({ userId: 'u4' });
	});

	it('of concurrent uses exactly one wins', async () => {
		const secret = generateToken();
		await issueToken(knex, { kind: 'verify-email', userId: 'u5', secret, ttlMs: 60_000 });
		const results = await Promise.allSettled(Array.from({ length: 20 }, () => consumeToken(knex, 'verify-email', secret)));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
	});

	it('prunes spent and expired tokens in bounded batches', async () => {
		const before = Number((await knex(TOKENS_TABLE).count({ n: '*' }).first())!.n);
		const removed = await pruneTokens(knex, Date.now() + 1, 2);
		expect(removed).toBe(2);
		expect(Number((await knex(TOKENS_TABLE).count({ n: '*' }).first())!.n)).toBe(before - 2);
	});
});
