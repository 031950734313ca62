// The per-address mail throttle (reset and verification mails share it) on a real SQLite file:
// the sliding hour, concurrent takers, pruning, and the table name existing installs have.
import { describe, expect, it } from 'vitest';
import { ensureMailThrottleTable, MAIL_THROTTLE_MIGRATIONS, MAIL_THROTTLE_TABLE, MAIL_THROTTLE_WINDOW_MS, pruneMailSlots, takeMailSlot } from '../../src/shared/mail-throttle.js';
import { useSqliteStore } from '../harness/sqlite-store.js';

describe('mail throttle (SQLite)', () => {
	const store = useSqliteStore(ensureMailThrottleTable);

	it('lets `max` mails through in any hour (a sliding window), then one more as the oldest slot frees up', async () => {
		const t0 = 10 * MAIL_THROTTLE_WINDOW_MS;
		const taken: boolean[] = [];
		for (let i = 0; i < 7; i++) taken.push(await takeMailSlot(store.knex, 'u1', 5, t0 + i * 1000));
		expect(taken).toEqual([true, true, true, true, true, false, false]);
		// another address has its own slots
		expect(await takeMailSlot(store.knex, 'u2', 5, t0)).toBe(true);
		// just under an hour after the first: still full; just after: one slot, not more
		expect(await takeMailSlot(store.knex, 'u1', 5, t0 + MAIL_THROTTLE_WINDOW_MS - 1)).toBe(false);
		expect(await takeMailSlot(store.knex, 'u1', 5, t0 + MAIL_THROTTLE_WINDOW_MS)).toBe(true);
		expect(await takeMailSlot(store.knex, 'u1', 5, t0 + MAIL_THROTTLE_WINDOW_MS + 1)).toBe(false);
	});

	it('of concurrent requests no more than the free slots win', async () => {
		const results = await Promise.all(Array.from({ length: 12 }, () => takeMailSlot(store.knex, 'u3', 5, 20 * MAIL_THROTTLE_WINDOW_MS)));
		expect(results.filter(Boolean)).toHaveLength(5);
	});

	it('prunes slots unused for an hour, and only those', async () => {
		const now = 30 * MAIL_THROTTLE_WINDOW_MS;
		await takeMailSlot(store.knex, 'u4', 2, now);
		await pruneMailSlots(store.knex, now);
		const left = await store.knex(MAIL_THROTTLE_TABLE).where({ user_id: 'u4' });
		expect(left).toHaveLength(1);
		expect(Number(left[0].used_at)).toBe(now);
	});

	it('keeps the table and migration id password reset created, so existing installs keep their slots', () => {
		expect(MAIL_THROTTLE_TABLE).toBe('user_lifecycle_reset_throttle');
		expect(MAIL_THROTTLE_MIGRATIONS.map((m) => m.id)).toEqual(['0011-password-reset-throttle']);
	});
});
