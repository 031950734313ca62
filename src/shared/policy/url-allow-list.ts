// Same matching rules as the host's USER_*_URL_ALLOW_LIST: an exact match, or the same origin
// and path (query and fragment of the candidate are ignored). Stricter than the host in one way:
// a URL with user info (`https://user:pass@app.example.com/...`) is refused, since a mail link
// that logs the reader into some other account, or hides the real host behind a name, is no link
// a project means to send.
export function isUrlAllowed(url: string, allowList: unknown): boolean {
	if (hasUserInfo(url)) return false;
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

function hasUserInfo(url: string): boolean {
	try {
		const parsed = new URL(url);
		return parsed.username !== '' || parsed.password !== '';
	} catch {
		return false;
	}
}

export function toList(value: unknown): string[] {
	if (value === undefined || value === null || value === '') return [];
	if (Array.isArray(value)) return value.map(String);
	return String(value).split(',').map((s) => s.trim()).filter(Boolean);
}
