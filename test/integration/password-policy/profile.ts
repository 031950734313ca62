// The password policy suites' profile: the project's own list of refused passwords, another
// extension that writes passwords through the host's services, no stalls to wait through. Files
// that use it share one host per database (see test/harness/host.ts).
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ApiResponse, TestHost } from '../../harness/host.js';

export const BLOCKLIST = fileURLToPath(new URL('../../fixtures/password-blocklist.txt', import.meta.url));
export const WRITER = fileURLToPath(new URL('../../fixtures/directus-extension-password-writer', import.meta.url));

export const POLICY_ENV: Record<string, string> = {
	USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH: BLOCKLIST,
	REGISTER_STALL_TIME: '0',
	USER_LIFECYCLE_RESET_STALL_TIME: '0',
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
	USER_LIFECYCLE_RESET_MAX_PER_HOUR: '100',
	// The email change suites' page (they share this profile's hosts).
	USER_LIFECYCLE_EMAIL_CHANGE_URL_ALLOW_LIST: 'https://app.example.com/confirm-email',
};

/** The project's settings: its name gives context words; its regex refuses a "#". */
export const PROJECT = { project_name: 'Orbital Works', auth_password_policy: '/^[^#]*$/' };

/** A password every rule lets through (for every user and project of these suites). */
export const GOOD = 'plinth-ocelot-marigold';
/** One password per rule, and what the answer names. */
export const WEAK = {
	short: { password: 'plinth-oce', rule: 'min-length', message: 'Password must be at least 12 characters long' },
	long: { password: 'p'.repeat(257), rule: 'max-length', message: 'Password must be at most 256 characters long' },
	common: { password: 'qwerty123456', rule: 'common', message: 'Password is one of the most common passwords: choose one nobody would guess' },
	listed: { password: 'Launchpad-Orion-7', rule: 'project-list', message: "Password is on this project's list of refused passwords" },
	project: { password: 'plinth-ORBITAL-9', rule: 'context', message: "Password must not contain the project's name" },
	host: { password: 'plinth-ocelot#1', rule: 'host-policy', message: "Password doesn't match the project's password policy" },
} as const;

export const startPolicyHost = async (startTestHost: (options: object) => Promise<TestHost>, db: string) => {
	const host = await startTestHost({ db, env: POLICY_ENV, extraExtensions: [WRITER] });
	await host.setSettings({ ...PROJECT, public_registration: true, public_registration_verify_email: true });
	return host;
};

/** The permission the Data Studio recommends for app roles: users update their own profile, password included. */
const OWN_PROFILE = {
	collection: 'directus_users',
	action: 'update',
	permissions: { id: { _eq: '$CURRENT_USER' } },
	fields: ['first_name', 'last_name', 'email', 'password', 'location', 'title', 'description', 'avatar', 'language', 'appearance', 'theme_light', 'theme_dark', 'theme_light_overrides', 'theme_dark_overrides', 'tfa_secret'],
};

/**
 * A role whose users may use the Data Studio and change their own password and names, nobody
 * else's. Each active user of it takes one of the licence's seats (3, the admin's included): files
 * suspend theirs when done.
 */
export async function createAppRole(host: TestHost, name: string): Promise<string> {
	const policy = await host.admin('POST', '/policies', { name: `${name} policy`, app_access: true, admin_access: false });
	expect(policy.status, policy.text).toBe(200);
	const permission = await host.admin('POST', '/permissions', { policy: policy.body.data.id, ...OWN_PROFILE });
	expect(permission.status, permission.text).toBe(200);
	const role = await host.admin('POST', '/roles', { name, policies: [{ policy: policy.body.data.id }] });
	expect(role.status, role.text).toBe(200);
	return role.body.data.id;
}

/** 400 PASSWORD_POLICY naming `rule`, in the host's error format (REST or GraphQL). */
export function expectRefused(res: ApiResponse, rule: string, message?: string): void {
	const error = res.body?.errors?.[0];
	expect(error?.extensions?.code, res.text.slice(0, 500)).toBe('PASSWORD_POLICY');
	// REST answers 400; GraphQL answers in its own envelope (the error names the field's path).
	if (!error.path) expect(res.status, res.text.slice(0, 500)).toBe(400);
	expect(error.extensions.rule).toBe(rule);
	if (message) expect(error.message).toBe(message);
}
