// The one place where settings are read and validated. Env values come from the host's env
// object (already typed by the host: numbers, booleans, arrays may arrive parsed).
import { parseDuration } from './policy/duration.js';
import { parseRegistrationRules, type RegistrationRule } from './policy/registration-rules.js';
import { parseTransitions, type TransitionTable } from './policy/transitions.js';
import { toList } from './policy/url-allow-list.js';

export interface Config {
	publicUrl: string;
	secret: string | null;
	inviteUrlAllowList: string[];
	registerUrlAllowList: string[];
	inviteTokenTtlMs: number;
	verificationTokenTtlMs: number;
	registerStallMs: number;
	/** The host's RATE_LIMITER_REGISTRATION_*: per-IP hits per window, or null when off. */
	registrationRateLimit: { points: number; windowMs: number } | null;
	registerRules: RegistrationRule[];
	registerFields: string[];
	nativeRoutes: boolean;
	transitions: TransitionTable;
	otpMaxAttempts: number;
	otpLockMs: number;
	recoveryCodeCount: number;
	outboxMaxAttempts: number;
	outboxBackoffMs: number;
	outboxPollMs: number;
	scheduleCron: string;
	scheduleBatchSize: number;
	/** The host's LOGIN_STALL_TIME: failed logins on our login route take at least this long. */
	loginStallMs: number;
	/** The host's login cookies (REFRESH_TOKEN_COOKIE_*, SESSION_COOKIE_*), for `mode: "cookie" | "session"`. */
	loginCookies: { refresh: LoginCookie; session: LoginCookie };
	// --- password reset (issue 11) ---
	/** The host's PASSWORD_RESET_URL_ALLOW_LIST: where a `reset_url` may point. */
	resetUrlAllowList: string[];
	/** USER_LIFECYCLE_RESET_TOKEN_TTL: how long a reset link works. */
	resetTokenTtlMs: number;
	/** USER_LIFECYCLE_RESET_MAX_PER_HOUR: reset mails per address in any hour. */
	resetMaxPerHour: number;
	/** USER_LIFECYCLE_RESET_STALL_TIME: every reset request answers this long after it started. */
	resetStallMs: number;
	/** USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: reset requests per IP and minute, or null when off (0). */
	resetRateLimit: { points: number; windowMs: number } | null;
	// --- end password reset ---
	// --- events/mails (issue 11 parts 4-5) ---
	/** USER_LIFECYCLE_MAIL_SUBJECTS: subject per mail template and language (`{ template: { lang: subject } }`). */
	mailSubjects: MailSubjects;
	// --- end events/mails ---
	// --- two-factor enforcement (issue 13) ---
	/** USER_LIFECYCLE_ENFORCE_TFA: refuse data requests of users whose policies enforce two-factor and who have none. */
	enforceTfa: boolean;
	/** USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS: enforcement also for the users' static tokens. */
	enforceTfaStaticTokens: boolean;
	/** The host's AUTH_DISABLE_DEFAULT: its password login may be off, then a recovery code in `otp` is left to the host too. */
	hostPasswordLoginDisabled: boolean;
	// --- timed login lock (src/login-lock) ---
	/** Wrong passwords within `loginLockMs` before logins are refused; 0 turns the lock off. */
	loginMaxAttempts: number;
	/** How long a lock refuses logins, and the window wrong passwords are counted in. */
	loginLockMs: number;
	// --- perf (issue 12): outbox delivery ---
	/** Outbox sends in flight at once (and SMTP connections in its pool). */
	outboxConcurrency: number;
	/** The outbox sends through a pooled copy of the host's plain SMTP transport. */
	outboxSmtpPool: boolean;
	/** USER_LIFECYCLE_DB_PREPARED_STATEMENTS: PostgreSQL's named statements for the guard's per-write statements (util/prepared.ts); false behind a pooler that loses them. */
	preparedStatements: boolean;
	// --- end perf ---
}

/** Subjects by template name, then by language tag as written (`de`, `de-DE`). */
export type MailSubjects = Record<string, Record<string, string>>;

export interface LoginCookie {
	name: string;
	options: { httpOnly: true; domain?: string; maxAge: number; secure: boolean; sameSite: 'strict' | 'lax' | 'none' };
}

export class ConfigError extends Error {
	constructor(readonly variable: string, problem: string) {
		super(`[user-lifecycle] invalid ${variable}: ${problem}`);
		this.name = 'ConfigError';
	}
}

/** Fields that registration must never let a caller set, whatever USER_LIFECYCLE_REGISTER_FIELDS says. */
export const PROTECTED_USER_FIELDS = new Set([
	'id', 'email', 'password', 'role', 'status', 'token', 'tfa_secret', 'provider', 'external_identifier',
	'auth_data', 'policies', 'last_access', 'last_page', 'email_notifications', 'appearance',
]);

/** Every knob the README documents, with its default (as the env var would spell it). */
export const DEFAULTS = {
	USER_LIFECYCLE_REGISTER_RULES: '[]',
	USER_LIFECYCLE_REGISTER_FIELDS: '',
	USER_LIFECYCLE_NATIVE_ROUTES: 'true',
	USER_LIFECYCLE_TRANSITIONS: '{}',
	USER_LIFECYCLE_OTP_MAX_ATTEMPTS: '5',
	USER_LIFECYCLE_OTP_LOCK_DURATION: '15m',
	USER_LIFECYCLE_RECOVERY_CODES: '10',
	USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '8',
	USER_LIFECYCLE_OUTBOX_BACKOFF: '5s',
	USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '2s',
	USER_LIFECYCLE_SCHEDULE: '*/1 * * * *',
	USER_LIFECYCLE_SCHEDULE_BATCH_SIZE: '500',
	// --- password reset (issue 11) ---
	USER_LIFECYCLE_RESET_TOKEN_TTL: '1h',
	USER_LIFECYCLE_RESET_MAX_PER_HOUR: '5',
	USER_LIFECYCLE_RESET_STALL_TIME: '500',
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '10',
	// --- end password reset ---
	// --- events/mails ---
	USER_LIFECYCLE_MAIL_SUBJECTS: '{}',
	// --- two-factor enforcement (issue 13) ---
	USER_LIFECYCLE_ENFORCE_TFA: 'true',
	USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS: 'false',
	// --- timed login lock (src/login-lock) ---
	USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '10',
	USER_LIFECYCLE_LOGIN_LOCK_DURATION: '15m',
	// --- perf (issue 12) ---
	USER_LIFECYCLE_OUTBOX_CONCURRENCY: '10',
	USER_LIFECYCLE_OUTBOX_SMTP_POOL: 'true',
	USER_LIFECYCLE_DB_PREPARED_STATEMENTS: 'true',
	// --- end perf ---
} as const;

type Env = Record<string, unknown>;

export function loadConfig(env: Env): Config {
	const publicUrl = String(env['PUBLIC_URL'] ?? '/');
	return {
		publicUrl,
		secret: typeof env['SECRET'] === 'string' && env['SECRET'] !== '' ? env['SECRET'] : null,
		inviteUrlAllowList: toList(env['USER_INVITE_URL_ALLOW_LIST']),
		registerUrlAllowList: toList(env['USER_REGISTER_URL_ALLOW_LIST']),
		inviteTokenTtlMs: duration(env, 'USER_INVITE_TOKEN_TTL', '7d'),
		verificationTokenTtlMs: duration(env, 'EMAIL_VERIFICATION_TOKEN_TTL', '7d'),
		registerStallMs: integer(env, 'REGISTER_STALL_TIME', '750', 0),
		registrationRateLimit: registrationRateLimit(env),
		registerRules: json(env, 'USER_LIFECYCLE_REGISTER_RULES', parseRegistrationRules),
		registerFields: registerFields(env),
		nativeRoutes: boolean(env, 'USER_LIFECYCLE_NATIVE_ROUTES'),
		transitions: json(env, 'USER_LIFECYCLE_TRANSITIONS', parseTransitions),
		otpMaxAttempts: integer(env, 'USER_LIFECYCLE_OTP_MAX_ATTEMPTS', DEFAULTS.USER_LIFECYCLE_OTP_MAX_ATTEMPTS, 1),
		otpLockMs: duration(env, 'USER_LIFECYCLE_OTP_LOCK_DURATION', DEFAULTS.USER_LIFECYCLE_OTP_LOCK_DURATION),
		recoveryCodeCount: integer(env, 'USER_LIFECYCLE_RECOVERY_CODES', DEFAULTS.USER_LIFECYCLE_RECOVERY_CODES, 10, 100),
		outboxMaxAttempts: integer(env, 'USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS', DEFAULTS.USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS, 1, 100),
		outboxBackoffMs: duration(env, 'USER_LIFECYCLE_OUTBOX_BACKOFF', DEFAULTS.USER_LIFECYCLE_OUTBOX_BACKOFF),
		outboxPollMs: duration(env, 'USER_LIFECYCLE_OUTBOX_POLL_INTERVAL', DEFAULTS.USER_LIFECYCLE_OUTBOX_POLL_INTERVAL, 50),
		scheduleCron: cron(env, 'USER_LIFECYCLE_SCHEDULE'),
		scheduleBatchSize: integer(env, 'USER_LIFECYCLE_SCHEDULE_BATCH_SIZE', DEFAULTS.USER_LIFECYCLE_SCHEDULE_BATCH_SIZE, 1, 10_000),
		loginStallMs: integer(env, 'LOGIN_STALL_TIME', '500', 0),
		loginCookies: {
			refresh: loginCookie(env, 'REFRESH_TOKEN_COOKIE', 'directus_refresh_token', 'REFRESH_TOKEN_TTL', '7d'),
			session: loginCookie(env, 'SESSION_COOKIE', 'directus_session_token', 'SESSION_COOKIE_TTL', '1d'),
		},
		// --- events/mails ---
		mailSubjects: json(env, 'USER_LIFECYCLE_MAIL_SUBJECTS', parseMailSubjects),
		// --- end events/mails ---
		...passwordResetConfig(env),
		// --- two-factor enforcement (issue 13) ---
		enforceTfa: boolean(env, 'USER_LIFECYCLE_ENFORCE_TFA'),
		enforceTfaStaticTokens: boolean(env, 'USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS'),
		hostPasswordLoginDisabled: env['AUTH_DISABLE_DEFAULT'] === true || env['AUTH_DISABLE_DEFAULT'] === 'true',
		// --- timed login lock (src/login-lock) ---
		loginMaxAttempts: integer(env, 'USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS', DEFAULTS.USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS, 0, 1_000_000),
		loginLockMs: duration(env, 'USER_LIFECYCLE_LOGIN_LOCK_DURATION', DEFAULTS.USER_LIFECYCLE_LOGIN_LOCK_DURATION, 1000),
		// --- perf (issue 12) ---
		outboxConcurrency: integer(env, 'USER_LIFECYCLE_OUTBOX_CONCURRENCY', DEFAULTS.USER_LIFECYCLE_OUTBOX_CONCURRENCY, 1, 100),
		outboxSmtpPool: boolean(env, 'USER_LIFECYCLE_OUTBOX_SMTP_POOL'),
		preparedStatements: boolean(env, 'USER_LIFECYCLE_DB_PREPARED_STATEMENTS'),
		// --- end perf ---
	};
}

// --- password reset (issue 11) ---
function passwordResetConfig(env: Env) {
	const perMinute = integer(env, 'USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE', DEFAULTS.USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE, 0, 100_000);
	return {
		resetUrlAllowList: toList(env['PASSWORD_RESET_URL_ALLOW_LIST']),
		resetTokenTtlMs: duration(env, 'USER_LIFECYCLE_RESET_TOKEN_TTL', DEFAULTS.USER_LIFECYCLE_RESET_TOKEN_TTL, 1000),
		resetMaxPerHour: integer(env, 'USER_LIFECYCLE_RESET_MAX_PER_HOUR', DEFAULTS.USER_LIFECYCLE_RESET_MAX_PER_HOUR, 1, 100),
		resetStallMs: integer(env, 'USER_LIFECYCLE_RESET_STALL_TIME', DEFAULTS.USER_LIFECYCLE_RESET_STALL_TIME, 0, 60_000),
		resetRateLimit: perMinute === 0 ? null : { points: perMinute, windowMs: 60_000 },
	};
}
// --- end password reset ---

// --- events/mails (issue 11 parts 4-5) ---
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
/** A subject is one line the host's `subject` column (255) and a mail header can hold. */
const MAX_SUBJECT = 255;

/** `{ "user-invitation": { "de": "Sie wurden eingeladen", "de-DE": "..." } }`: template names, language tags, one-line subjects. */
export function parseMailSubjects(value: unknown): MailSubjects {
	const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
	if (!isObject(value)) throw new Error('expected a JSON object { "template": { "language": "subject" } }');
	const subjects: MailSubjects = {};
	for (const [template, byLanguage] of Object.entries(value)) {
		if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(template)) throw new Error(`"${template}" is not a mail template name`);
		if (!isObject(byLanguage)) throw new Error(`"${template}" must map language tags to subjects`);
		const languages: Record<string, string> = {};
		for (const [language, subject] of Object.entries(byLanguage)) {
			if (!LANGUAGE_TAG.test(language)) throw new Error(`"${language}" (in "${template}") is not a language tag such as "de" or "de-DE"`);
			if (typeof subject !== 'string' || subject.trim() === '' || subject.length > MAX_SUBJECT || /[\u0000-\u001f\u007f]/.test(subject)) {
				throw new Error(`the subject for "${template}" in "${language}" must be one line of 1 to ${MAX_SUBJECT} characters`);
			}
			// Matched case-insensitively, as language tags are.
			languages[language.toLowerCase()] = subject;
		}
		subjects[template] = languages;
	}
	return subjects;
}
// --- end events/mails ---

function raw(env: Env, name: string, fallback: string): unknown {
	const value = env[name];
	return value === undefined || value === null || value === '' ? fallback : value;
}

function integer(env: Env, name: string, fallback: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
	const value = Number(raw(env, name, fallback));
	if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(name, `expected a whole number from ${min} to ${max}`);
	return value;
}

function duration(env: Env, name: string, fallback: string, min = 0): number {
	const value = parseDuration(raw(env, name, fallback));
	if (value === null || value < min) throw new ConfigError(name, `expected a duration such as "30s", "15m" or "7d"${min ? ` (at least ${min} ms)` : ''}`);
	return value;
}

function boolean(env: Env, name: keyof typeof DEFAULTS): boolean {
	const value = raw(env, name, DEFAULTS[name]);
	if (value === true || value === 'true') return true;
	if (value === false || value === 'false') return false;
	throw new ConfigError(name, 'expected true or false');
}

function json<T>(env: Env, name: keyof typeof DEFAULTS, parse: (value: unknown) => T): T {
	// The host splits any env value with a comma into an array; read JSON knobs from the raw
	// process env when they are there (a config file's values arrive through `env` only).
	const fromProcess = process.env[name];
	let value = fromProcess !== undefined && fromProcess !== '' ? fromProcess : raw(env, name, DEFAULTS[name]);
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
}

function registerFields(env: Env): string[] {
	const name = 'USER_LIFECYCLE_REGISTER_FIELDS';
	const fields = toList(raw(env, name, DEFAULTS[name]));
	for (const field of fields) {
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new ConfigError(name, `"${field}" is not a field name`);
		if (PROTECTED_USER_FIELDS.has(field)) throw new ConfigError(name, `"${field}" can't be set at registration`);
	}
	return fields;
}

function cron(env: Env, name: 'USER_LIFECYCLE_SCHEDULE'): string {
	const value = String(raw(env, name, DEFAULTS[name])).trim();
	const parts = value.split(/\s+/);
	if (parts.length < 5 || parts.length > 6 || !parts.every((p) => /^[\d*/,\-A-Za-z?]+$/.test(p))) {
		throw new ConfigError(name, 'expected a cron expression such as "*/1 * * * *"');
	}
	return value;
}

function registrationRateLimit(env: Env): { points: number; windowMs: number } | null {
	const enabled = raw(env, 'RATE_LIMITER_REGISTRATION_ENABLED', 'true');
	if (enabled === false || enabled === 'false') return null;
	return {
		points: integer(env, 'RATE_LIMITER_REGISTRATION_POINTS', '5', 1),
		windowMs: integer(env, 'RATE_LIMITER_REGISTRATION_DURATION', '60', 1) * 1000,
	};
}

/** The host's cookie settings, read as its controllers read them. */
function loginCookie(env: Env, prefix: string, defaultName: string, ttlName: string, defaultTtl: string): LoginCookie {
	const domain = env[`${prefix}_DOMAIN`];
	const sameSite = String(raw(env, `${prefix}_SAME_SITE`, 'strict')).toLowerCase();
	const secure = env[`${prefix}_SECURE`];
	return {
		name: String(raw(env, `${prefix}_NAME`, defaultName)),
		options: {
			httpOnly: true,
			...(typeof domain === 'string' && domain !== '' ? { domain } : {}),
			// The host's own setting, read by the host with the `ms` package: never refuse to start over it.
			maxAge: parseDuration(raw(env, ttlName, defaultTtl)) ?? parseDuration(defaultTtl)!,
			secure: secure === true || secure === 'true',
			sameSite: sameSite === 'lax' || sameSite === 'none' ? sameSite : 'strict',
		},
	};
}
