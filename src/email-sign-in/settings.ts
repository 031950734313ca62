// Email sign-in's settings: where links may point, the request's stall, and the per-IP limit on
// its two routes. Whether it is on at all (USER_LIFECYCLE_EMAIL_SIGN_IN, `emailSignIn`) is a
// shared setting: the sign-in page reads it too. How many mails an address gets is the shared mail
// throttle's setting (USER_LIFECYCLE_RESET_MAX_PER_HOUR).
import { integer, list, perMinuteLimit, type SettingsOf } from '../shared/config.js';

export const EMAIL_SIGN_IN_SETTINGS = {
	/** Where a `sign_in_url` may point (the host's matching rules); the extension's own sign-in page always may. */
	signInUrlAllowList: list('USER_LIFECYCLE_SIGN_IN_URL_ALLOW_LIST'),
	/** Every sign-in link request answers this long after it started. */
	signInStallMs: integer('USER_LIFECYCLE_EMAIL_SIGN_IN_STALL_TIME', '500', 0, 60_000),
	/** Requests per IP and minute on each of the two routes, or null when off (0). */
	signInRateLimit: perMinuteLimit('USER_LIFECYCLE_EMAIL_SIGN_IN_IP_MAX_PER_MINUTE', '10'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof EMAIL_SIGN_IN_SETTINGS> {}
}
