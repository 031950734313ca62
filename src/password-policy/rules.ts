// The password rules, pure: what a password is judged by, and the first rule it breaks. No
// composition rules (NIST SP 800-63B-4 §3.1.1.2, OWASP ASVS 5.0 §6.2): a length, lists of known
// passwords, the words of its owner and project, and the host's own `auth_password_policy`.
// Every rule reads the password's NFKC form; what is hashed is the password exactly as sent.
import { passwordMatchesPolicy } from '../shared/policy/password.js';

/** The longest password accepted, in code points after NFKC. */
export const MAX_PASSWORD_LENGTH = 256;
/** Context words shorter than this are not looked for (a first name "Al" is in too many passwords). */
export const MIN_CONTEXT_PART = 4;
/**
 * NFKC composes at most 4 code points into one (the longest canonical decomposition, U+1F82), and a
 * code point takes at most 2 UTF-16 units: a value longer than this many units is over the maximum
 * after NFKC too, so it is refused without being normalised.
 */
const MAX_RAW_UNITS = MAX_PASSWORD_LENGTH * 4 * 2;

/** The rules, in the order a password is judged by them. */
export type Rule = 'max-length' | 'min-length' | 'common' | 'project-list' | 'context' | 'host-policy';
/** Where a context word comes from. */
export type ContextSource = 'email' | 'first_name' | 'last_name' | 'project_name';
const CONTEXT_SOURCES: readonly ContextSource[] = ['email', 'first_name', 'last_name', 'project_name'];

export type Refusal = { rule: Exclude<Rule, 'context'> } | { rule: 'context'; source: ContextSource };

export interface PasswordRules {
	minLength: number;
	/** Known passwords, in `comparable` form: the shipped list and the project's own file. */
	common: ReadonlySet<string>;
	project: ReadonlySet<string>;
	/** The host's `auth_password_policy` ("/pattern/" or a bare pattern), if any. */
	hostPolicy: string | null;
}

/** The words of the password's owner and project (an email whole: its local part is taken here). */
export type PasswordContext = Partial<Record<ContextSource, string | null | undefined>>;

/** The form every comparison reads: NFKC, lower-cased. */
export function comparable(value: string): string {
	return value.normalize('NFKC').toLowerCase();
}

function codePoints(value: string): number {
	let count = 0;
	for (const _ of value) count++;
	return count;
}

/** The parts of a context value a password must not contain: split at anything but letters and digits, 4 code points or more. */
export function contextParts(value: string): string[] {
	return comparable(value)
		.split(/[^\p{L}\p{N}\p{M}]+/u)
		.filter((part) => codePoints(part) >= MIN_CONTEXT_PART);
}

/** An email's local part (the part before its last "@"). */
export function localPart(email: string): string {
	const at = email.lastIndexOf('@');
	return at < 0 ? email : email.slice(0, at);
}

/** The first rule `password` breaks for each of `contexts` (one per owner), or null. */
export function judgePassword(password: string, rules: PasswordRules, contexts: readonly PasswordContext[]): Refusal | null {
	if (password.length > MAX_RAW_UNITS) return { rule: 'max-length' };
	const normalized = password.normalize('NFKC');
	const length = codePoints(normalized);
	if (length > MAX_PASSWORD_LENGTH) return { rule: 'max-length' };
	if (length < rules.minLength) return { rule: 'min-length' };
	const folded = normalized.toLowerCase();
	if (rules.common.has(folded)) return { rule: 'common' };
	if (rules.project.has(folded)) return { rule: 'project-list' };
	for (const context of contexts) {
		for (const source of CONTEXT_SOURCES) {
			const value = context[source];
			if (!value) continue;
			const words = contextParts(source === 'email' ? localPart(value) : value);
			if (words.some((word) => folded.includes(word))) return { rule: 'context', source };
		}
	}
	// The host tests the password as sent, and so do we.
	if (!passwordMatchesPolicy(password, rules.hostPolicy)) return { rule: 'host-policy' };
	return null;
}
