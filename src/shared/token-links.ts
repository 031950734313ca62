// Links in mails carry their token in the query (`?token=`). It is moved out of the request
// before the host's request logger copies the URL, so no log line ever holds it.
import type { NextFunction, Request, Response } from 'express';
import { token as tokenField, parseInput, z } from './input.js';

const REDACTED = '--redacted--';
const stashed = new WeakMap<object, string>();

/** Pages and routes whose links carry a token in the query: ours, the host's we serve, the Data Studio's. */
const TOKEN_LINK_PATHS = ['/user-lifecycle/', '/users/register/verify-email', '/users/invite/accept', '/admin/accept-invite'];

/** The host's first middleware (init `app.before`): stashes the token of every token link. */
export function redactTokenLinks() {
	return (req: Request, _res: Response, next: NextFunction) => {
		if (req.method === 'GET' && TOKEN_LINK_PATHS.some((path) => req.path.startsWith(path))) stashQueryToken(req);
		next();
	};
}

/** Moves `?token=` out of the request (query, url, originalUrl) into a private stash. */
export function stashQueryToken(req: { query: unknown; url: string; originalUrl: string }): void {
	const query = (req.query ?? {}) as Record<string, unknown>;
	const value = query['token'];
	if (typeof value !== 'string') return;
	stashed.set(req, value);
	query['token'] = REDACTED;
	req.url = redactTokenParam(req.url);
	req.originalUrl = redactTokenParam(req.originalUrl);
}

const queryToken = z.strictObject({ token: tokenField() });

/** The `?token=` of a request, from the stash (or the query when the stash did not run). */
export function takeQueryToken(req: { query: unknown; url: string; originalUrl: string }): string {
	if (!stashed.has(req)) stashQueryToken(req);
	return parseInput(queryToken, { token: stashed.get(req) }).token;
}

export function redactTokenParam(path: string): string {
	return path.replace(/([?&]token=)[^&#]*/g, `$1${REDACTED}`);
}
