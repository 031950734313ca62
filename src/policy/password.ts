import { compileRegex } from './filter.js';

/** The host's `auth_password_policy` semantics: a regex, optionally written as "/pattern/". */
export function passwordMatchesPolicy(password: string, policy: string | null | undefined): boolean {
	if (!policy) return true;
	try {
		return compileRegex(policy).test(password);
	} catch {
		return true; // the host would throw on a broken policy too; don't lock users out over it
	}
}
