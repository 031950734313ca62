// Links in mails carry their token in the query (`?token=`): the request's token is moved into a
// private stash (by the bundle's first middleware, src/bundle/log-redaction.ts, or by the route
// that reads it), so no log line ever holds it.
const REDACTED = '--redacted--';
const stashed = new WeakMap<object, string | undefined>();

/** The token a request's query carried, once stashed (null: not stashed; `token` undefined: not a string). */
export function stashedQueryToken(req: object): { token: string | undefined } | null {
	return stashed.has(req) ? { token: stashed.get(req) } : null;
}

/** Moves `?token=` out of the request (query, url, originalUrl) into a private stash. */
export function stashQueryToken(req: { query: unknown; url: string; originalUrl: string }): void {
	const query = (req.query ?? {}) as Record<string, unknown>;
	if ('token' in query) {
		// Not a string (`token[]=`...): nothing to take, yet nothing to log either.
		const value = query['token'];
		stashed.set(req, typeof value === 'string' ? value : undefined);
		query['token'] = REDACTED;
	}
	req.url = redactTokenParam(req.url);
	req.originalUrl = redactTokenParam(req.originalUrl);
}

/**
 * A URL or path whose query keeps every parameter but the value of `token` (however its name is
 * percent-encoded, and `token[...]` too) — what a query parser would read as the token.
 */
export function redactTokenParam(url: string): string {
	const start = url.indexOf('?');
	if (start === -1) return url;
	const hash = url.indexOf('#', start);
	const end = hash === -1 ? url.length : hash;
	const query = url
		.slice(start + 1, end)
		.split('&')
		.map((pair) => {
			const eq = pair.indexOf('=');
			const name = eq === -1 ? pair : pair.slice(0, eq);
			return isTokenName(name) ? `${name}=${REDACTED}` : pair;
		})
		.join('&');
	return url.slice(0, start + 1) + query + url.slice(end);
}

function isTokenName(raw: string): boolean {
	let name = raw.replace(/\+/g, ' ');
	try {
		name = decodeURIComponent(name);
	} catch {
		// a malformed escape: judged as written
	}
	name = name.trim();
	return name === 'token' || name.startsWith('token[') || name.startsWith('token.');
}
