// The two-factor store against a real SQLite file: replay keys, the failure window and lock, prune.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	clearFailures,
	countAttempt,
	countRecoveryCodes,
	ensureTwoFactorTables,
	lockedUntil,
	OTP_ATTEMPTS_TABLE,
	OTP_STEPS_TABLE,
	pruneTwoFactorRecords,
	recordAcceptedStep,
	recordFailure,
	replaceRecoveryCodes,
	restoreRecoveryCode,
	spendRecoveryCode,
} from '../../src/store/two-factor.js';

describe('two-factor store (SQLite)', () => {
	let dir: string;
	let knex: Knex;
	beforeAll(async () => {
		dir = mkdtempSync(join(tmpdir(), 'ul-tfa-'));
		knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
		await ensureTwoFactorTables(knex);
		await ensureTwoFactorTables(knex); // idempotent
	});
	afterAll(async () => {
		await knex.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('accepts a step once per user', async () => {
		expect(await recordAcceptedStep(knex, 'u1', 100)).toBe(true);
		expect(await recordAcceptedStep(knex, 'u1', 100)).toBe(false);
		expect(await recordAcceptedStep(knex, 'u2', 100)).toBe(true);
		expect(await recordAcceptedStep(knex, 'u1', 101)).toBe(true);
		const results = await Promise.all(Array.from({ length: 10 }, () => recordAcceptedStep(knex, 'u3', 7)));
		expect(results.filter(Boolean)).toHaveLength(1);
	});

	it('locks after max failures within the window, for the lock duration; a right code clears the count', async () => {
		const t0 = 1_000_000;
		for (let i = 0; i < 4; i++) expect(await recordFailure(knex, 'L', 5, 10_000, t0 + i)).toBeNull();
		expect(await recordFailure(knex, 'L', 5, 10_000, t0 + 4)).toBe(t0 + 4 + 10_000);
		expect(await lockedUntil(knex, 'L', t0 + 9_000)).toBe(t0 + 10_004);
		expect(await lockedUntil(knex, 'L', t0 + 10_005)).toBeNull();
		// The count starts afresh after a lock.
		expect(await recordFailure(knex, 'L', 5, 10_000, t0 + 10_006)).toBeNull();

		// Failures further apart than the window don't add up.
		for (let i = 0; i < 4; i++) expect(await recordFailure(knex, 'W', 5, 10_000, t0 + i * 11_000)).toBeNull();
		expect((await knex(OTP_ATTEMPTS_TABLE).where({ user_id: 'W' }).first()).failures).toBe(1);

		for (let i = 0; i < 4; i++) await recordFailure(knex, 'C', 5, 10_000, t0 + i);
		await clearFailures(knex, 'C', t0 + 5);
		expect(await recordFailure(knex, 'C', 5, 10_000, t0 + 6)).toBeNull();
	});

	it('numbers concurrent attempts: never two below the cap when the total is above it', async () => {
		const counts = await Promise.all(Array.from({ length: 12 }, () => countAttempt(knex, 'burst', 60_000)));
		expect(counts.every((n) => n >= 1 && n <= 12)).toBe(true);
		expect(counts.filter((n) => n <= 5).length).toBeLessThanOrEqual(5);
		expect(Math.max(...counts)).toBe(12);
	});

	it('spends a recovery code once, even concurrently; a new set voids the old', async () => {
		await replaceRecoveryCodes(knex, 'R', ['h1', 'h2', 'h3']);
		expect(await countRecoveryCodes(knex, 'R')).toBe(3);
		const wins = await Promise.all(Array.from({ length: 20 }, () => spendRecoveryCode(knex, 'R', 'h1', 42)));
		expect(wins.filter(Boolean)).toHaveLength(1);
		expect(await spendRecoveryCode(knex, 'other-user', 'h2')).toBe(false);
		await restoreRecoveryCode(knex, 'R', 'h1', 42);
		expect(await spendRecoveryCode(knex, 'R', 'h1')).toBe(true);
		await replaceRecoveryCodes(knex, 'R', ['h4']);
		expect(await spendRecoveryCode(knex, 'R', 'h2')).toBe(false);
		expect(await countRecoveryCodes(knex, 'R')).toBe(1);
	});

	it('prunes old steps and idle counters, at most `limit` per call, never a running lock', async () => {
		await knex(OTP_STEPS_TABLE).delete();
		await knex(OTP_ATTEMPTS_TABLE).delete();
		for (let s = 0; s < 5; s++) await recordAcceptedStep(knex, 'P', s, 1000 + s);
		await recordAcceptedStep(knex, 'P', 99, 50_000);
		await recordFailure(knex, 'idle', 5, 100, 1000);
		await recordFailure(knex, 'locked', 1, 1_000_000, 1000);
		expect(await pruneTwoFactorRecords(knex, 10_000, 3)).toBe(3);
		expect(await pruneTwoFactorRecords(knex, 10_000, 100)).toBe(3);
		expect(await pruneTwoFactorRecords(knex, 10_000, 100)).toBe(0);
		expect(await knex(OTP_STEPS_TABLE).pluck('step')).toEqual([99]);
		expect(await knex(OTP_ATTEMPTS_TABLE).pluck('user_id')).toEqual(['locked']);
	});
});
