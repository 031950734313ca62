// Passkeys' settings: the relying party (its id and the origins a ceremony may come from, both
// from PUBLIC_URL unless set) and the per-IP limit on the public sign-in routes.
import { ConfigError, perMinuteLimit, raw, type Env, type SettingsOf } from '../shared/config.js';
import { toList } from '../shared/policy/url-allow-list.js';

const RP_ID = 'USER_LIFECYCLE_WEBAUTHN_RP_ID';
const ORIGINS = 'USER_LIFECYCLE_WEBAUTHN_ORIGINS';
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** PUBLIC_URL as a URL, or null when it is not an absolute http(s) URL (the host's default is "/"). */
function publicUrl(env: Env): URL | null {
	try {
		const url = new URL(String(env['PUBLIC_URL'] ?? ''));
		return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
	} catch {
		return null;
	}
}

/** The relying party's id: the variable, else PUBLIC_URL's host; null when neither gives one (passkeys are then off). */
function webauthnRpId(env: Env): string | null {
	const set = raw(env, RP_ID, '');
	if (set !== '') {
		const value = String(set).trim().toLowerCase();
		if (!HOSTNAME.test(value)) throw new ConfigError(RP_ID, 'expected a host name such as "example.com" (no scheme, port or path)');
		return value;
	}
	const host = publicUrl(env)?.hostname.toLowerCase() ?? '';
	return HOSTNAME.test(host) ? host : null;
}

/** The origins a ceremony may come from: the variable (comma-separated), else PUBLIC_URL's origin. */
function webauthnOrigins(env: Env): string[] {
	const set = toList(env[ORIGINS]);
	if (set.length === 0) {
		const url = publicUrl(env);
		return url ? [url.origin] : [];
	}
	const rpId = webauthnRpId(env);
	return set.map((entry) => {
		let origin: string;
		try {
			origin = new URL(entry).origin;
		} catch {
			throw new ConfigError(ORIGINS, `"${entry}" is not an origin such as "https://example.com"`);
		}
		if (origin !== entry.replace(/\/$/, '') || !/^https?:/.test(origin)) throw new ConfigError(ORIGINS, `"${entry}" is not an origin such as "https://example.com" (no path)`);
		// A browser runs a ceremony only on the relying party's own host or one under it.
		const host = new URL(origin).hostname;
		if (rpId !== null && host !== rpId && !host.endsWith(`.${rpId}`)) throw new ConfigError(ORIGINS, `"${entry}" is not on ${rpId} (${RP_ID}) nor under it`);
		return origin;
	});
}

export const PASSKEY_SETTINGS = {
	webauthnRpId,
	webauthnOrigins,
	/** Public sign-in requests (options and verify together) per IP and minute, or null when off (0). */
	passkeyRateLimit: perMinuteLimit('USER_LIFECYCLE_PASSKEY_IP_MAX_PER_MINUTE', '60'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof PASSKEY_SETTINGS> {}
}
