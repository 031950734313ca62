// Sign-in requests (src/email-sign-in/store.ts) against a real SQLite file, and their secrets: a new
// request ends the open ones, a burst of tries takes at most MAX_TRIES, a request is spent once,
// and the code is compared as a keyed hash bound to its request.
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { codeMatches, hashCode, newCode } from '../../src/email-sign-in/secrets.js';
import {
	endOpenRequests,
	ensureSignInTable,
	findByTokenHash,
	giveTryBack,
	MAX_TRIES,
	newestTryableRequest,
	openSignInRequest,
	pruneSignInRequests,
	spendRequest,
	takeTry,
	unspendRequest,
} from '../../src/email-sign-in/store.js';
import { deriveKey } from '../../src/shared/util/crypto.js';

const rt = { key: (purpose: string) => deriveKey('unit-secret', purpose) };
let n = 0;
const open = async (knex: Knex, userId: string, now = Date.now()) => {
	const id = `request-${++n}`;
	await openSignInRequest(knex, { id, userId, tokenHash: `hash-${n}`, codeHash: hashCode(rt, id, '123456'), email: `${userId}@example.com`, statusChanges: 0, expiresAt: now + 600_000 }, now);
	return { id, tokenHash: `hash-${n}` };
};

describe('sign-in requests (SQLite)', () => {
	const store = useSqliteStore(ensureSignInTable);

	it('a new request ends the open ones of that user only', async () => {
		const { knex } = store;
		const first = await open(knex, 'u1');
		const other = await open(knex, 'u2');
		const second = await open(knex, 'u1');
		expect((await findByTokenHash(knex, first.tokenHash))?.open).toBe(false);
		expect((await findByTokenHash(knex, second.tokenHash))?.open).toBe(true);
		expect((await findByTokenHash(knex, other.tokenHash))?.open).toBe(true);
		expect((await newestTryableRequest(knex, 'u1'))?.id).toBe(second.id);
	});

	it(`of a burst of tries at most ${MAX_TRIES} are taken; a try given back is taken again; then the request is no longer tryable`, async () => {
		const { knex } = store;
		const { id } = await open(knex, 'burst');
		const taken = (await Promise.all(Array.from({ length: 12 }, () => takeTry(knex, id)))).filter((t) => t !== null);
		expect(taken).toHaveLength(MAX_TRIES);
		expect(await takeTry(knex, id)).toBeNull();
		await giveTryBack(knex, id);
		expect(await takeTry(knex, id)).toBe(MAX_TRIES);
		expect(await newestTryableRequest(knex, 'burst')).toBeUndefined();
	});

	it('is spent once, not after it ended or expired; an unspend reopens it', async () => {
		const { knex } = store;
		const now = Date.now();
		const { id } = await open(knex, 'spend', now);
		const wins = await Promise.all(Array.from({ length: 5 }, () => spendRequest(knex, id, now + 1)));
		expect(wins.filter(Boolean)).toHaveLength(1);
		await unspendRequest(knex, id, now + 1);
		expect(await spendRequest(knex, id, now + 2)).toBe(true);

		const ended = await open(knex, 'ended', now);
		expect(await endOpenRequests(knex, ['ended'])).toBe(1);
		expect(await spendRequest(knex, ended.id)).toBe(false);

		const expired = await open(knex, 'expired', now - 700_000);
		expect(await spendRequest(knex, expired.id, now)).toBe(false);
		expect(await newestTryableRequest(knex, 'expired', now)).toBeUndefined();
		expect(await pruneSignInRequests(knex, now, 100)).toBeGreaterThanOrEqual(1);
		expect(await findByTokenHash(knex, expired.tokenHash)).toBeUndefined();
	});
});

describe('sign-in codes', () => {
	it('are six digits, compared as a keyed hash bound to the request', () => {
		for (let i = 0; i < 200; i++) expect(newCode()).toMatch(/^\d{6}$/);
		const request = { id: 'r1', codeHash: hashCode(rt, 'r1', '012345') };
		expect(codeMatches(rt, request, '012345')).toBe(true);
		expect(codeMatches(rt, request, '012346')).toBe(false);
		// the same code of another request, or under another key, is another hash
		expect(codeMatches(rt, { id: 'r2', codeHash: request.codeHash }, '012345')).toBe(false);
		expect(codeMatches({ key: (purpose) => deriveKey('another-secret', purpose) }, request, '012345')).toBe(false);
		expect(codeMatches(rt, { id: 'r1', codeHash: 'not-hex' }, '012345')).toBe(false);
	});
});
