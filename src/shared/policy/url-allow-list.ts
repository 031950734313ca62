// Same matching rules as the host's USER_*_URL_ALLOW_LIST: an exact match, or the same origin
// and path (query and fragment of the candidate are ignored).
export function isUrlAllowed(url: string, allowList: unknown): boolean {
	const list = toList(allowList);
	if (list.includes(url)) return true;
	const allowed = new Set<string>();
	for (const entry of list) {
		try {
			const parsed = new URL(entry);
			allowed.add(parsed.origin + parsed.pathname);
		} catch {
			// an unparsable allow-list entry matches nothing
		}
	}
	try {
		const parsed = new URL(url);
		return allowed.has(parsed.origin + parsed.pathname);
	} catch {
		return false;
	}
}

export function toList(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	if (Array.isArray(value)) return value.map(String);
	return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}
