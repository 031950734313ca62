// The token store against a real SQLite file.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { generateToken } from '../../src/shared/util/crypto.js';
import { issueTokens, liveTokens } from '../../src/invitation/link-tokens.js';
import { consumeToken, ensureTokenTables, issueToken, pruneTokens, TOKENS_TABLE } from '../../src/shared/link-tokens.js';

describe('token store (SQLite)', () => {
	const store = useSqliteStore(ensureTokenTables);

	it('stores only a hash, and a token works once', async () => {
		const secret = generateToken();
		await issueToken(store.knex, { kind: 'verify-email', userId: 'u1', secret, ttlMs: 60_000, data: { then: 'draft' } });
		expect(JSON.stringify(await store.knex(TOKENS_TABLE).select())).not.toContain(secret);
		const spent = await consumeToken(store.knex, 'verify-email', secret);
		expect(spent).toMatchObject({ userId: 'u1', data: { then: 'draft' } });
		await expect(consumeToken(store.knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'INVALID_TOKEN', status: 403 });
	});

	it('a token of another kind, or a forged one, is INVALID_TOKEN', async () => {
		const secret = generateToken();
		await issueToken(store.knex, { kind: 'invite', userId: 'u2', secret, ttlMs: 60_000 });
		await expect(consumeToken(store.knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
		await expect(consumeToken(store.knex, 'invite', generateToken())).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
	});

	it('an expired token is TOKEN_EXPIRED (401)', async () => {
		const secret = generateToken();
		await issueToken(store.knex, { kind: 'verify-email', userId: 'u3', secret, ttlMs: 0 });
		await expect(consumeToken(store.knex, 'verify-email', secret)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
	});

	it('reissuing revokes every earlier token of the same kind for that user', async () => {
		const first = generateToken();
		const second = generateToken();
		await issueToken(store.knex, { kind: 'invite', userId: 'u4', secret: first, ttlMs: 60_000 });
		await issueTokens(store.knex, 'invite', [{ userId: 'u4', secret: second, ttlMs: 60_000 }]);
		await expect(consumeToken(store.knex, 'invite', first)).rejects.toMatchObject({ code: 'INVALID_TOKEN' });
		expect((await liveTokens(store.knex, 'invite', ['u4'])).size).toBe(1);
		await expect(consumeToken(store.knex, 'invite', second)).resolves.toMatchObject({ userId: 'u4' });
	});

	it('of concurrent uses exactly one wins', async () => {
		const secret = generateToken();
		await issueToken(store.knex, { kind: 'verify-email', userId: 'u5', secret, ttlMs: 60_000 });
		const results = await Promise.allSettled(Array.from({ length: 20 }, () => consumeToken(store.knex, 'verify-email', secret)));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
	});

	it('prunes spent and expired tokens in bounded batches', async () => {
		const before = Number((await store.knex(TOKENS_TABLE).count({ n: '*' }).first())!.n);
		const removed = await pruneTokens(store.knex, Date.now() + 1, 2);
		expect(removed).toBe(2);
		expect(Number((await store.knex(TOKENS_TABLE).count({ n: '*' }).first())!.n)).toBe(before - 2);
	});
});
