// Password reset's settings: where links may point, how long they work, how often they may be asked for
// (how many mails an address gets is the shared mail throttle's setting).
import { duration, integer, list, perMinuteLimit, type SettingsOf } from '../shared/config.js';

export const PASSWORD_RESET_SETTINGS = {
	/** The host's PASSWORD_RESET_URL_ALLOW_LIST: where a `reset_url` may point. */
	resetUrlAllowList: list('PASSWORD_RESET_URL_ALLOW_LIST'),
	resetTokenTtlMs: duration('USER_LIFECYCLE_RESET_TOKEN_TTL', '1h', 1000),
	/** Every reset request answers this long after it started. */
	resetStallMs: integer('USER_LIFECYCLE_RESET_STALL_TIME', '500', 0, 60_000),
	/** Reset requests per IP and minute, or null when off (0). */
	resetRateLimit: perMinuteLimit('USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE', '10'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof PASSWORD_RESET_SETTINGS> {}
}
