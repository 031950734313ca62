// The password policy's settings: the minimum length, and the project's own list of refused
// passwords (a file read once, at start-up).
import { readFileSync } from 'node:fs';
import { ConfigError, integer, type Env, type SettingsOf } from '../shared/config.js';
import { comparable, MAX_PASSWORD_LENGTH } from './rules.js';

/** The file's passwords, one a line (blank lines skipped), in comparable form; none when unset. */
export const blocklistFile = (name: string) => (env: Env): readonly string[] => {
	const path = env[name];
	if (path === undefined || path === null || path === '') return [];
	let text: string;
	try {
		text = readFileSync(String(path), 'utf8');
	} catch (error) {
		throw new ConfigError(name, `can't read ${String(path)} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
	}
	return text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((line) => line !== '').map(comparable);
};

export const PASSWORD_POLICY_SETTINGS = {
	/** The fewest code points (after NFKC) a new password may have. */
	passwordMinLength: integer('USER_LIFECYCLE_PASSWORD_MIN_LENGTH', '12', 1, MAX_PASSWORD_LENGTH),
	passwordBlocklist: blocklistFile('USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof PASSWORD_POLICY_SETTINGS> {}
}
