// The per-address throttle on reset mails: at most N in any hour (a sliding window, not a fixed
// one that would let 2N through around its edge). Each user has N slots, each remembering when it
// was last used; a mail needs a slot unused for an hour, taken by one conditional UPDATE, so of
// concurrent requests no more than the free slots win, on every instance.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';

export const RESET_THROTTLE_TABLE = 'user_lifecycle_reset_throttle';
export const THROTTLE_WINDOW_MS = 3600_000;

export async function ensureResetThrottleTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, RESET_THROTTLE_TABLE, (table) => {
		table.string('user_id', 36).notNullable();
		table.integer('slot').notNullable();
		table.bigInteger('used_at').notNullable();
		table.primary(['user_id', 'slot']);
		table.index(['used_at']);
	});
}

export const RESET_MIGRATIONS: Migration[] = [{ id: '0011-password-reset-throttle', tables: [RESET_THROTTLE_TABLE], up: ensureResetThrottleTable }];

/** Takes one of `userId`'s `max` slots if one is free (unused for an hour); false when all are taken. */
export async function takeResetSlot(knex: Knex, userId: string, max: number, now: number): Promise<boolean> {
	const rows = Array.from({ length: max }, (_, slot) => ({ user_id: userId, slot, used_at: 0 }));
	await knex(RESET_THROTTLE_TABLE).insert(rows).onConflict(['user_id', 'slot']).ignore();
	const cutoff = now - THROTTLE_WINDOW_MS;
	const free = await knex(RESET_THROTTLE_TABLE).select('slot').where({ user_id: userId }).where('slot', '<', max).where('used_at', '<=', cutoff).orderBy('used_at').orderBy('slot');
	for (const { slot } of free as { slot: number }[]) {
		// The condition is repeated: a concurrent request may have taken this slot since the read.
		const won = await knex(RESET_THROTTLE_TABLE).where({ user_id: userId, slot }).where('used_at', '<=', cutoff).update({ used_at: now });
		if (won === 1) return true;
	}
	return false;
}

/**
 * Forgets slots unused for an hour (they are free anyway). A request racing this may find its
 * fresh slot gone and send no mail that once: the safe side.
 */
export async function pruneResetSlots(knex: Knex, now: number): Promise<number> {
	return knex(RESET_THROTTLE_TABLE).where('used_at', '<=', now - THROTTLE_WINDOW_MS).delete();
}
