// The password port: every password checked outside the host's own login goes through one gate
// (the login lock's, src/login-lock/password-gate.ts), made by the entries like the mail queue, so
// a capability that takes a password (two-factor set-up, and the proofs to come) counts toward the
// lock and stalls like a login without importing the login lock.
import type { Accountability, SchemaOverview } from '@directus/types';

export interface PasswordGate {
	/**
	 * Resolves when `password` is the user's. Otherwise, or while the user's logins are locked,
	 * throws the host's 401 INVALID_CREDENTIALS after a login's stall. The attempt is counted toward
	 * the login lock before the password is hashed.
	 */
	check(userId: string, password: string, options: { schema?: SchemaOverview; accountability?: Accountability | null }): Promise<void>;
}
