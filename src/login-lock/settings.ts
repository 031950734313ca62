// The login lock's settings.
import { duration, integer, type SettingsOf } from '../shared/config.js';

export const LOGIN_LOCK_SETTINGS = {
	/** Wrong passwords within `loginLockMs` before logins are refused; 0 turns the lock off. */
	loginMaxAttempts: integer('USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS', '10', 0, 1_000_000),
	/** How long a lock refuses logins, and the window wrong passwords are counted in. */
	loginLockMs: duration('USER_LIFECYCLE_LOGIN_LOCK_DURATION', '15m', 1000),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof LOGIN_LOCK_SETTINGS> {}
}
