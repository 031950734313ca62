// Locks that never lift by themselves under a test: the files set them long (an hour) and end one
// here when a test needs it over, as if its time had passed — the row the clock would have
// outlived, read by the same code. (Short real locks lapsed between a test's wrong answers and
// its check on a loaded CI runner.)
import type { Knex } from 'knex';
import { expect } from 'vitest';

/** The user's running login lock ends now. */
export async function lapseLoginLock(knex: Knex, userId: string): Promise<void> {
	const ended = await knex('user_lifecycle_login_attempts').where({ user_id: userId }).whereNotNull('locked_until').update({ locked_until: Date.now() - 1 });
	expect(ended, 'a running login lock').toBe(1);
}

/** The user's code lock ends now, and its counting window with it (the window is as long as the lock). */
export async function lapseCodeLock(knex: Knex, userId: string, lockMs: number): Promise<void> {
	const now = Date.now();
	const ended = await knex('user_lifecycle_otp_attempts').where({ user_id: userId }).update({ locked_until: now - 1000, window_start: now - lockMs - 1000 });
	expect(ended, 'a code lock').toBe(1);
}
