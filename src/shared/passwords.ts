// The password port: every password checked outside the host's own login goes through one gate
// (the login lock's, src/login-lock/password-gate.ts), made by the entries like the mail queue, so
// a capability that takes a password (two-factor set-up, and the proofs to come) counts toward the
// lock and stalls like a login without importing the login lock.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';

export interface PasswordGate {
	/**
	 * Resolves when `password` is the user's. Otherwise, or while the user's logins are locked,
	 * throws the host's 401 INVALID_CREDENTIALS after a login's stall. The attempt is counted toward
	 * the login lock before the password is hashed.
	 */
	check(userId: string, password: string, options: { schema?: SchemaOverview; accountability?: Accountability | null }): Promise<void>;
}

/**
 * The reset-link port (made by the password reset capability, like the gate by the login lock):
 * a flow that has just taken an account back (an email change reverted, a "this wasn't me") mails
 * its owner a fresh reset link without importing password reset.
 */
export interface PasswordResets {
	/**
	 * Queues a reset link to the user's address as it is in `trx` (earlier links revoked), when the
	 * user may reset a password at all (active, the host's own provider); false otherwise. Not
	 * throttled: it follows a single-use link only the mailbox's owner holds. Kick the outbox after
	 * the commit.
	 */
	mailLink(trx: Knex, userId: string): Promise<boolean>;
}
