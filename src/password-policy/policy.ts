// The one password policy (the runtime's `passwordPolicy`): the shipped list of common passwords
// and the project's file, loaded once; the project's name and `auth_password_policy` read with
// each check (through the caller's transaction, where the write is).
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Knex } from 'knex';
import type { PasswordPolicy } from '../shared/password-policy.js';
import type { Runtime } from '../shared/runtime.js';
import { passwordRefused } from './errors.js';
import { comparable, judgePassword, type PasswordRules } from './rules.js';

let shipped: ReadonlySet<string> | null = null;

/**
 * The 49,233 most common passwords of zxcvbn-ts's `passwords-common` dictionary (leaked-password
 * corpora, ranked by frequency; bundled into dist/api.js, no network).
 */
export function commonPasswords(): ReadonlySet<string> {
	shipped ??= new Set(dictionary['passwords-common'].map(comparable));
	return shipped;
}

interface PolicySettings {
	project_name: string | null;
	auth_password_policy: string | null;
}

async function readPolicySettings(knex: Knex): Promise<PolicySettings | undefined> {
	return knex('directus_settings').select('project_name', 'auth_password_policy').first();
}

export function createPasswordPolicy(rt: Pick<Runtime, 'config' | 'knex'>): PasswordPolicy {
	const lists = { common: commonPasswords(), project: new Set(rt.config.passwordBlocklist) };
	const minLength = rt.config.passwordMinLength;
	return {
		async check(password, owners, options = {}) {
			const settings = await readPolicySettings(options.knex ?? rt.knex);
			const rules: PasswordRules = { minLength, ...lists, hostPolicy: settings?.auth_password_policy ?? null };
			const project_name = settings?.project_name ?? null;
			const contexts = owners.length > 0 ? owners.map((owner) => ({ ...owner, project_name })) : [{ project_name }];
			const refusal = judgePassword(password, rules, contexts);
			if (refusal) throw passwordRefused(refusal, minLength);
		},
	};
}
