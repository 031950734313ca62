// Links in mails carry their token in the query (`?token=`). It is moved out of the request
// before the host's request logger copies the URL, so no log line ever holds it; the pages those
// links open tell the browser to send no Referer (the token would otherwise travel to whatever the
// page loads or links to), and a Referer that still carries one is redacted before it is logged.
import type { NextFunction, Request, Response } from 'express';

const REDACTED = '--redacted--';
const stashed = new WeakMap<object, string | undefined>();

/** Pages and routes whose links carry a token in the query: ours, the host's we serve, the Data Studio's. */
const TOKEN_LINK_PATHS = ['/user-lifecycle/', '/users/register/verify-email', '/users/invite/accept', '/admin/accept-invite', '/admin/reset-password'];

/** The host routes paths case-insensitively, so a link's path is matched the same way. */
function isTokenLinkPath(path: string): boolean {
	const lower = path.toLowerCase();
	return TOKEN_LINK_PATHS.some((prefix) => lower.startsWith(prefix));
}

/**
 * The host's first middleware (init `app.before`, before its request logger): every request's
 * Referer loses its token; a token link's page answers `Referrer-Policy: no-referrer` and its
 * token is stashed away from the URL the logger copies.
 */
export function redactTokenLinks() {
	return (req: Request, res: Response, next: NextFunction) => {
		redactRefererHeaders(req.headers);
		if ((req.method === 'GET' || req.method === 'HEAD') && isTokenLinkPath(req.path)) {
			res.setHeader('Referrer-Policy', 'no-referrer');
			stashQueryToken(req);
		}
		next();
	};
}

/** `Referer` (and the `Referrer` spelling some clients send) without the value of any `token=`. */
export function redactRefererHeaders(headers: Record<string, string | string[] | undefined>): void {
	for (const name of ['referer', 'referrer']) {
		const value = headers[name];
		if (typeof value === 'string') headers[name] = redactTokenParam(value);
		else if (Array.isArray(value)) headers[name] = value.map(redactTokenParam);
	}
}

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
