// Links in mails carry their token in the query (`?token=`). It is moved out of the request
// before the host's request logger copies the URL, so no log line ever holds it; the pages those
// links open tell the browser to send no Referer (the token would otherwise travel to whatever the
// page loads or links to), and a Referer that still carries one is redacted before it is logged.
import type { NextFunction, Request, Response } from 'express';
import { redactTokenParam, stashQueryToken } from '../shared/log-redaction.js';

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
