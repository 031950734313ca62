// The password policy's one refusal: 400 PASSWORD_POLICY, its message naming the rule broken
// (never the password, nor the context word it contains), `extensions.rule` for programs.
import { createError } from '../shared/util/errors.js';
import { MAX_PASSWORD_LENGTH, type ContextSource, type Refusal, type Rule } from './rules.js';

export interface PasswordPolicyExtensions {
	rule: Rule;
	/** The configured minimum (min-length), the maximum (max-length). */
	min_length?: number;
	max_length?: number;
	/** Where the context word came from (context). */
	source?: ContextSource;
}

const CONTEXT_WORDS: Record<ContextSource, string> = {
	email: "the email address's name",
	first_name: "the user's first name",
	last_name: "the user's last name",
	project_name: "the project's name",
};

function messageOf(extensions: PasswordPolicyExtensions): string {
	switch (extensions.rule) {
		case 'min-length': return `Password must be at least ${extensions.min_length} characters long`;
		case 'max-length': return `Password must be at most ${extensions.max_length} characters long`;
		case 'common': return 'Password is one of the most common passwords: choose one nobody would guess';
		case 'project-list': return "Password is on this project's list of refused passwords";
		case 'context': return `Password must not contain ${CONTEXT_WORDS[extensions.source ?? 'email']}`;
		case 'host-policy': return "Password doesn't match the project's password policy";
	}
}

export const PasswordPolicyError = createError<PasswordPolicyExtensions>('PASSWORD_POLICY', messageOf, 400);

export function passwordRefused(refusal: Refusal, minLength: number): InstanceType<typeof PasswordPolicyError> {
	if (refusal.rule === 'min-length') return new PasswordPolicyError({ rule: refusal.rule, min_length: minLength });
	if (refusal.rule === 'max-length') return new PasswordPolicyError({ rule: refusal.rule, max_length: MAX_PASSWORD_LENGTH });
	if (refusal.rule === 'context') return new PasswordPolicyError({ rule: refusal.rule, source: refusal.source });
	return new PasswordPolicyError({ rule: refusal.rule });
}
