// Registration's settings: the host's own registration knobs it honours, and its rules and fields.
import { ConfigError, duration, integer, json, list, raw, type Env, type SettingsOf } from '../shared/config.js';
import { parseRegistrationRules } from './rules.js';

/** Fields that registration must never let a caller set, whatever USER_LIFECYCLE_REGISTER_FIELDS says. */
export const PROTECTED_USER_FIELDS = new Set([
	'id', 'email', 'password', 'role', 'status', 'token', 'tfa_secret', 'provider', 'external_identifier',
	'auth_data', 'policies', 'last_access', 'last_page', 'email_notifications', 'appearance',
]);

function registerFields(env: Env): string[] {
	const name = 'USER_LIFECYCLE_REGISTER_FIELDS';
	const fields = list(name)({ [name]: raw(env, name, '') });
	for (const field of fields) {
		if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new ConfigError(name, `"${field}" is not a field name`);
		if (PROTECTED_USER_FIELDS.has(field)) throw new ConfigError(name, `"${field}" can't be set at registration`);
	}
	return fields;
}

/** The host's RATE_LIMITER_REGISTRATION_*: per-IP hits per window, or null when off. */
function registrationRateLimit(env: Env): { points: number; windowMs: number } | null {
	const enabled = raw(env, 'RATE_LIMITER_REGISTRATION_ENABLED', 'true');
	if (enabled === false || enabled === 'false') return null;
	return {
		points: integer('RATE_LIMITER_REGISTRATION_POINTS', '5', 1)(env),
		windowMs: integer('RATE_LIMITER_REGISTRATION_DURATION', '60', 1)(env) * 1000,
	};
}

export const REGISTRATION_SETTINGS = {
	registerUrlAllowList: list('USER_REGISTER_URL_ALLOW_LIST'),
	verificationTokenTtlMs: duration('EMAIL_VERIFICATION_TOKEN_TTL', '7d'),
	registerStallMs: integer('REGISTER_STALL_TIME', '750', 0),
	registrationRateLimit,
	registerRules: json('USER_LIFECYCLE_REGISTER_RULES', '[]', parseRegistrationRules),
	registerFields,
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof REGISTRATION_SETTINGS> {}
}
