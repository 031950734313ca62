// The two-factor store against a real SQLite file: replay keys, the failure window and lock, prune.
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import {
	clearFailures,
	countAttempt,
	ensureTwoFactorTables,
	lockedUntil,
	OTP_ATTEMPTS_TABLE,
	OTP_STEPS_TABLE,
	pruneTwoFactorRecords,
	recordAcceptedStep,
	lockCodes,
} from '../../src/two-factor/store.js';
import { countRecoveryCodes, replaceRecoveryCodes, restoreRecoveryCode, spendRecoveryCode } from '../../src/two-factor/recovery-codes.js';

/** A wrong code as the flows' gate books it: the attempt is counted, and the one reaching the cap locks. */
async function recordFailure(knex: Knex, userId: string, maxAttempts: number, lockMs: number, now: number): Promise<number | null> {
	const count = await countAttempt(knex, userId, lockMs, now);
	if (count >= maxAttempts) await lockCodes(knex, userId, now + lockMs, now);
	return lockedUntil(knex, userId, now);
}

describe('two-factor store (SQLite)', () => {
	const store = useSqliteStore(ensureTwoFactorTables);

	it('accepts a step once per user', async () => {
		expect(await recordAcceptedStep(store.knex, 'u1', 100)).toBe(true);
		expect(await recordAcceptedStep(store.knex, 'u1', 100)).toBe(false);
		expect(await recordAcceptedStep(store.knex, 'u2', 100)).toBe(true);
		expect(await recordAcceptedStep(store.knex, 'u1', 101)).toBe(true);
		const results = await Promise.all(Array.from({ length: 10 }, () => recordAcceptedStep(store.knex, 'u3', 7)));
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('locks after max failures within the window, for the lock duration; a right code clears the count', async () => {
		const t0 = 1_000_000;
		for (let i = 0; i < 4; i++) expect(await recordFailure(store.knex, 'L', 5, 10_000, t0 + i)).toBeNull();
		expect(await recordFailure(store.knex, 'L', 5, 10_000, t0 + 4)).toBe(t0 + 4 + 10_000);
		expect(await lockedUntil(store.knex, 'L', t0 + 9_000)).toBe(t0 + 10_004);
		expect(await lockedUntil(store.knex, 'L', t0 + 10_005)).toBeNull();
		// The count starts afresh after a lock.
		expect(await recordFailure(store.knex, 'L', 5, 10_000, t0 + 10_006)).toBeNull();

		// Failures further apart than the window don't add up.
		for (let i = 0; i < 4; i++) expect(await recordFailure(store.knex, 'W', 5, 10_000, t0 + i * 11_000)).toBeNull();
		expect((await store.knex(OTP_ATTEMPTS_TABLE).where({ user_id: 'W' }).first()).failures).toBe(1);

		for (let i = 0; i < 4; i++) await recordFailure(store.knex, 'C', 5, 10_000, t0 + i);
		await clearFailures(store.knex, 'C', t0 + 5);
		expect(await recordFailure(store.knex, 'C', 5, 10_000, t0 + 6)).toBeNull();
	});

	it('numbers concurrent attempts: never two below the cap when the total is above it', async () => {
		const counts = await Promise.all(Array.from({ length: 12 }, () => countAttempt(store.knex, 'burst', 60_000)));
		expect(counts.every((n) => n >= 1 && n <= 12)).toBe(true);
		expect(counts.filter((n) => n <= 5).length).toBeLessThanOrEqual(5);
		expect(Math.max(...counts)).toBe(12);
	});

	it('spends a recovery code once, even concurrently; a new set voids the old', async () => {
		await replaceRecoveryCodes(store.knex, 'R', ['h1', 'h2', 'h3']);
		expect(await countRecoveryCodes(store.knex, 'R')).toBe(3);
		const wins = await Promise.all(Array.from({ length: 20 }, () => spendRecoveryCode(store.knex, 'R', 'h1', 42)));
		expect(wins.filter(Boolean)).toHaveLength(1);
		expect(await spendRecoveryCode(store.knex, 'other-user', 'h2')).toBe(false);
		await restoreRecoveryCode(store.knex, 'R', 'h1', 42);
		expect(await spendRecoveryCode(store.knex, 'R', 'h1')).toBe(true);
		await replaceRecoveryCodes(store.knex, 'R', ['h4']);
		expect(await spendRecoveryCode(store.knex, 'R', 'h2')).toBe(false);
		expect(await countRecoveryCodes(store.knex, 'R')).toBe(1);
	});

	it('prunes old steps and idle counters, at most `limit` per call, never a running lock', async () => {
		await store.knex(OTP_STEPS_TABLE).delete();
		await store.knex(OTP_ATTEMPTS_TABLE).delete();
		for (let s = 0; s < 5; s++) await recordAcceptedStep(store.knex, 'P', s, 1000 + s);
		await recordAcceptedStep(store.knex, 'P', 99, 50_000);
		await recordFailure(store.knex, 'idle', 5, 100, 1000);
		await recordFailure(store.knex, 'locked', 1, 1_000_000, 1000);
		expect(await pruneTwoFactorRecords(store.knex, 10_000, 3)).toBe(3);
		expect(await pruneTwoFactorRecords(store.knex, 10_000, 100)).toBe(3);
		expect(await pruneTwoFactorRecords(store.knex, 10_000, 100)).toBe(0);
		expect(await store.knex(OTP_STEPS_TABLE).pluck('step')).toEqual([99]);
		expect(await store.knex(OTP_ATTEMPTS_TABLE).pluck('user_id')).toEqual(['locked']);
	});
});
