/** The host's regex notation: "/pattern/" (no flags) or a bare pattern. */
export function compileRegex(source: string, flags = ''): RegExp {
	const wrapped = source.length >= 2 && source.startsWith('/') && source.endsWith('/');
	return new RegExp(wrapped ? source.slice(1, -1) : source, flags);
}

/** The host's `auth_password_policy` semantics: a regex, optionally written as "/pattern/". */
export function passwordMatchesPolicy(password: string, policy: string | null | undefined): boolean {
	if (!policy) return true;
	try {
		return compileRegex(policy).test(password);
	} catch {
		return true; // the host would throw on a broken policy too; don't lock users out over it
	}
}
