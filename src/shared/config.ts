// The one loader of settings. Each capability declares its own slice (settings.ts beside its
// code: variable, default, parsing) and adds its fields to `Config`; the settings several
// capabilities read are declared here. All are read and validated once, at start-up: a bad value
// stops the extension with a ConfigError naming the variable. Env values come from the host's env
// object (already typed by the host: numbers, booleans, arrays may arrive parsed).
import ms from 'ms';
import { toList } from './policy/url-allow-list.js';

export type Env = Record<string, unknown>;
/** One setting: reads its variable from the env, validated. */
export type Setting<T> = (env: Env) => T;
/** A capability's settings: field name to setting. */
export type SettingsSlice = Readonly<Record<string, Setting<unknown>>>;
/** The values a slice reads. */
export type SettingsOf<S extends SettingsSlice> = { [K in keyof S]: ReturnType<S[K]> };

export class ConfigError extends Error {
	constructor(readonly variable: string, problem: string) {
		super(`[user-lifecycle] invalid ${variable}: ${problem}`);
		this.name = 'ConfigError';
	}
}

export interface LoginCookie {
	name: string;
	options: { httpOnly: true; domain?: string; maxAge: number; secure: boolean; sameSite: 'strict' | 'lax' | 'none' };
}

/** A value as set, or the fallback when unset or empty. */
export function raw(env: Env, name: string, fallback: string): unknown {
	const value = env[name];
	return value === undefined || value === null || value === '' ? fallback : value;
}

/** A duration read as the host reads its own (`ms`: "15m", "7d", "1.5h"; a bare number is milliseconds); null when unreadable. */
export function readDuration(value: unknown): number | null {
	if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return null;
	const parsed = ms(String(value) as ms.StringValue) as number | undefined;
	return typeof parsed === 'number' && Number.isFinite(parsed) && parsed >= 0 ? Math.round(parsed) : null;
}

export const integer = (name: string, fallback: string, min: number, max = Number.MAX_SAFE_INTEGER): Setting<number> => (env) => {
	const value = Number(raw(env, name, fallback));
	if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(name, `expected a whole number from ${min} to ${max}`);
	return value;
};

export const duration = (name: string, fallback: string, min = 0): Setting<number> => (env) => {
	const value = readDuration(raw(env, name, fallback));
	if (value === null || value < min) throw new ConfigError(name, `expected a duration such as "30s", "15m" or "7d"${min ? ` (at least ${min} ms)` : ''}`);
	return value;
};

export const boolean = (name: string, fallback: 'true' | 'false'): Setting<boolean> => (env) => {
	const value = raw(env, name, fallback);
	if (value === true || value === 'true') return true;
	if (value === false || value === 'false') return false;
	throw new ConfigError(name, 'expected true or false');
};

/** Requests per IP and minute (a route's limit), or null when set to 0 (off). */
export const perMinuteLimit = (name: string, fallback: string): Setting<{ points: number; windowMs: number } | null> => (env) => {
	const perMinute = integer(name, fallback, 0, 100_000)(env);
	return perMinute === 0 ? null : { points: perMinute, windowMs: 60_000 };
};

/** A comma-separated list (or the array the host already split it into). */
export const list = (name: string): Setting<string[]> => (env) => toList(env[name]);

export const json = <T>(name: string, fallback: string, parse: (value: unknown) => T): Setting<T> => (env) => {
	// The host splits any env value with a comma into an array; read JSON knobs from the raw
	// process env when they are there (a config file's values arrive through `env` only).
	const fromProcess = process.env[name];
	let value = fromProcess !== undefined && fromProcess !== '' ? fromProcess : raw(env, name, fallback);
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value.startsWith('json:') ? value.slice(5) : value);
		} catch {
			throw new ConfigError(name, 'is not valid JSON');
		}
	}
	try {
		return parse(value);
	} catch (error) {
		throw new ConfigError(name, (error as Error).message);
	}
};

/** The host's cookie settings, read as its controllers read them. */
const loginCookie = (prefix: string, defaultName: string, ttlName: string, defaultTtl: string) => (env: Env): LoginCookie => {
	const domain = env[`${prefix}_DOMAIN`];
	const sameSite = String(raw(env, `${prefix}_SAME_SITE`, 'strict')).toLowerCase();
	const secure = env[`${prefix}_SECURE`];
	return {
		name: String(raw(env, `${prefix}_NAME`, defaultName)),
		options: {
			httpOnly: true,
			...(typeof domain === 'string' && domain !== '' ? { domain } : {}),
			// The host's own setting: never refuse to start over it.
			maxAge: readDuration(raw(env, ttlName, defaultTtl)) ?? readDuration(defaultTtl)!,
			secure: secure === true || secure === 'true',
			sameSite: sameSite === 'lax' || sameSite === 'none' ? sameSite : 'strict',
		},
	};
};

/** The settings several capabilities (or the shared infrastructure) read. */
export const SHARED_SETTINGS = {
	publicUrl: (env: Env) => String(env['PUBLIC_URL'] ?? '/'),
	secret: (env: Env) => (typeof env['SECRET'] === 'string' && env['SECRET'] !== '' ? env['SECRET'] : null),
	nativeRoutes: boolean('USER_LIFECYCLE_NATIVE_ROUTES', 'true'),
	/** The host's LOGIN_STALL_TIME: failed logins on our login routes take at least this long. */
	loginStallMs: integer('LOGIN_STALL_TIME', '500', 0),
	/** The host's login cookies (REFRESH_TOKEN_COOKIE_*, SESSION_COOKIE_*), for `mode: "cookie" | "session"`. */
	loginCookies: (env: Env) => ({
		refresh: loginCookie('REFRESH_TOKEN_COOKIE', 'directus_refresh_token', 'REFRESH_TOKEN_TTL', '7d')(env),
		session: loginCookie('SESSION_COOKIE', 'directus_session_token', 'SESSION_COOKIE_TTL', '1d')(env),
	}),
	/** The host's token lifetimes as it reads them ("15m", or milliseconds), for sessions we open as its login would. */
	loginTtls: (env: Env) => ({
		access: raw(env, 'ACCESS_TOKEN_TTL', '15m') as string | number,
		session: raw(env, 'SESSION_COOKIE_TTL', '1d') as string | number,
		refresh: raw(env, 'REFRESH_TOKEN_TTL', '7d') as string | number,
	}),
	/** Mails per address in any hour, reset and verification mails together (the shared mail throttle). */
	mailMaxPerHour: integer('USER_LIFECYCLE_RESET_MAX_PER_HOUR', '5', 1, 100),
	scheduleBatchSize: integer('USER_LIFECYCLE_SCHEDULE_BATCH_SIZE', '500', 1, 10_000),
	/** Email sign-in links are on (their routes, and the sign-in page's "Email me a link"). */
	emailSignIn: boolean('USER_LIFECYCLE_EMAIL_SIGN_IN', 'false'),
} satisfies SettingsSlice;

/** Every setting: the shared ones, and the fields each capability's settings.ts adds here. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Config extends SettingsOf<typeof SHARED_SETTINGS> {}

/** Reads the shared settings and every slice; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env, slices: readonly SettingsSlice[]): Config {
	const config: Record<string, unknown> = {};
	for (const slice of [SHARED_SETTINGS, ...slices]) {
		for (const [field, read] of Object.entries(slice)) config[field] = read(env);
	}
	return config as unknown as Config;
}
