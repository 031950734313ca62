// The per-address mail throttle: reset and verification mails to one user share one budget of
// USER_LIFECYCLE_RESET_MAX_PER_HOUR in any hour (a sliding window: a fixed one lets 2N through
// around its edge). Each user has N slots, each remembering when it was last used; a mail needs a
// slot unused for an hour, taken by one conditional UPDATE, so of concurrent requests no more than
// the free slots win, on every instance.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from './migrations.js';

/** Named for password reset, its first user: installs that have it keep it. */
export const MAIL_THROTTLE_TABLE = 'user_lifecycle_reset_throttle';
export const MAIL_THROTTLE_WINDOW_MS = 3600_000;

export async function ensureMailThrottleTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, MAIL_THROTTLE_TABLE, (table) => {
		table.string('user_id', 36).notNullable();
		table.integer('slot').notNullable();
		table.bigInteger('used_at').notNullable();
		table.primary(['user_id', 'slot']);
		table.index(['used_at']);
	});
}

export const MAIL_THROTTLE_MIGRATIONS: Migration[] = [{ id: '0011-password-reset-throttle', tables: [MAIL_THROTTLE_TABLE], up: ensureMailThrottleTable }];

/** Takes one of `userId`'s `max` slots if one is free (unused for an hour); false when all are taken. */
export async function takeMailSlot(knex: Knex, userId: string, max: number, now: number): Promise<boolean> {
	// Only missing slots are inserted: on MariaDB an INSERT IGNORE that meets existing rows takes
	// shared locks on them, which two concurrent requests then both wait to upgrade (a deadlock, a 500).
	const existing = new Set((await knex(MAIL_THROTTLE_TABLE).select('slot').where({ user_id: userId })).map((row: { slot: number }) => Number(row.slot)));
	const missing = Array.from({ length: max }, (_, slot) => slot).filter((slot) => !existing.has(slot));
	if (missing.length > 0) await knex(MAIL_THROTTLE_TABLE).insert(missing.map((slot) => ({ user_id: userId, slot, used_at: 0 }))).onConflict(['user_id', 'slot']).ignore();
	const cutoff = now - MAIL_THROTTLE_WINDOW_MS;
	const free = await knex(MAIL_THROTTLE_TABLE).select('slot').where({ user_id: userId }).where('slot', '<', max).where('used_at', '<=', cutoff).orderBy('used_at').orderBy('slot');
	for (const { slot } of free as { slot: number }[]) {
		// The condition is repeated: a concurrent request may have taken this slot since the read.
		const won = await knex(MAIL_THROTTLE_TABLE).where({ user_id: userId, slot }).where('used_at', '<=', cutoff).update({ used_at: now });
		if (won === 1) return true;
	}
	return false;
}

/** Forgets slots unused for an hour (free anyway); a request racing this may lose its fresh slot and send nothing that once: the safe side. */
export async function pruneMailSlots(knex: Knex, now: number): Promise<number> {
	return knex(MAIL_THROTTLE_TABLE).where('used_at', '<=', now - MAIL_THROTTLE_WINDOW_MS).delete();
}
