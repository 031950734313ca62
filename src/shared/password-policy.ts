// The password policy's port: every password set anywhere is judged by one policy (the
// password-policy capability's), made by the entries like the password gate, so a capability that
// sets a password (registration, invite accept, reset) asks it before it looks anyone up, without
// importing it.
import type { Knex } from 'knex';

/** Whose password it is: the words it must not contain come from here (and from the project's name). */
export interface PasswordOwner {
	email?: string | null;
	first_name?: string | null;
	last_name?: string | null;
}

export interface PasswordPolicy {
	/**
	 * Resolves when `password` may be set for each of `owners`; otherwise throws 400
	 * PASSWORD_POLICY naming the first rule it breaks. Reads the project's name and
	 * `auth_password_policy` through `knex` (the caller's transaction, if any; the runtime's otherwise).
	 */
	check(password: string, owners: readonly PasswordOwner[], options?: { knex?: Knex }): Promise<void>;
}
