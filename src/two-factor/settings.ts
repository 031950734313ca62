// Two-factor's settings: the code gate's attempts and lock, the number of recovery codes.
import { duration, integer, type Env, type SettingsOf } from '../shared/config.js';

export const TWO_FACTOR_SETTINGS = {
	otpMaxAttempts: integer('USER_LIFECYCLE_OTP_MAX_ATTEMPTS', '5', 1),
	otpLockMs: duration('USER_LIFECYCLE_OTP_LOCK_DURATION', '15m'),
	recoveryCodeCount: integer('USER_LIFECYCLE_RECOVERY_CODES', '10', 10, 100),
	/** The host's AUTH_DISABLE_DEFAULT: its password login may be off, then a recovery code in `otp` is left to the host too. */
	hostPasswordLoginDisabled: (env: Env) => env['AUTH_DISABLE_DEFAULT'] === true || env['AUTH_DISABLE_DEFAULT'] === 'true',
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof TWO_FACTOR_SETTINGS> {}
}
