// What the entry files put in front of every request: the wait for start-up, the host's answer for
// a path parameter Express can't decode or a query string it can't read, and the refusal of access
// tokens the host could not even look up.
import type { NextFunction, Request, Response } from 'express';
import { importFromHost } from '../shared/host-modules.js';
import { InvalidCredentialsError, InvalidPayloadError, InvalidQueryError, isDirectusError } from '../shared/util/errors.js';

/**
 * A door is whatever path the host's routers answer, not a string: Express reaches
 * `/auth/password/request` for `//auth//password/request` too. Folding repeated slashes before
 * anything routes the request gives the host's routers and our interceptions one path to agree on
 * (case and one trailing slash they already read alike).
 */
export function canonicalPaths() {
	return (req: Request, _res: Response, next: NextFunction) => {
		if (req.url.includes('//')) {
			req.url = foldSlashes(req.url);
			req.originalUrl = foldSlashes(req.originalUrl);
		}
		next();
	};
}

/** Repeated slashes in the path folded into one; the query string left as it is. */
export function foldSlashes(url: string): string {
	const query = url.indexOf('?');
	const path = query === -1 ? url : url.slice(0, query);
	return path.replace(/\/{2,}/g, '/') + (query === -1 ? '' : url.slice(query));
}

/** Holds requests until the extension's tables exist: the one place requests wait for start-up. */
export function whenReady(ready: Promise<unknown>) {
	let isReady = false;
	ready.then(
		() => (isReady = true),
		() => undefined,
	);
	return (_req: Request, _res: Response, next: NextFunction) => {
		// Once ready, on at once: no promise hop on every request.
		if (isReady) return next();
		ready.then(() => next(), next);
	};
}

/**
 * After a router's routes: a path parameter Express can't decode (`/users/%/status`) is the
 * caller's mistake, a 400 in the host's format — not the 500 the host's error handler makes of it.
 */
export function badPathParameters() {
	return (error: unknown, _req: Request, _res: Response, next: NextFunction) => {
		if (error instanceof URIError) return next(new InvalidPayloadError({ reason: 'A path parameter is not valid' }));
		next(error);
	};
}

/** The host's own reading of a request's query string (its sanitize-query middleware's two steps). */
export type QueryReader = (req: Request) => Promise<void>;

/** The host's query reader, loaded from the running host once asked for. */
export function hostQueryReader(): () => Promise<QueryReader | null> {
	let loading: Promise<QueryReader | null> | null = null;
	return () =>
		(loading ??= Promise.all([
			importFromHost<{ sanitizeQuery: (...args: unknown[]) => Promise<unknown> }>('utils/sanitize-query', (m) => typeof m.sanitizeQuery === 'function'),
			importFromHost<{ validateQuery: (query: unknown) => void }>('utils/validate-query', (m) => typeof m.validateQuery === 'function'),
		]).then(
			([{ module: sanitize }, { module: validate }]) =>
				async (req: Request) => {
					const host = req as Request & { schema?: unknown; accountability?: unknown };
					const query = req.query as Record<string, unknown>;
					validate.validateQuery(await sanitize.sanitizeQuery({ fields: query['fields'] || '*', ...query }, host.schema, host.accountability ?? null));
				},
			() => null,
		));
}

/**
 * Right after the host's request-wide middlewares (init `routes.before`): a query string the host's
 * own reader fails on with a plain programming error (`?deep=null`, `?aggregate=x`, `?meta[a]=b`
 * make it call `Object.entries(null)` and the like) is the caller's mistake, a 400 INVALID_QUERY
 * in the host's format on every route — not the 500 the host makes of it. Only on the error path:
 * an error of another kind (the database down) is read again through the host's reader, and
 * stays what it was unless that reading fails the same way.
 */
export function unreadableQueries(reader: () => Promise<QueryReader | null>) {
	return async (error: unknown, req: Request, _res: Response, next: NextFunction) => {
		if (isDirectusError(error) || Object.keys(req.query ?? {}).length === 0) return next(error);
		const read = await reader();
		if (read === null) return next(error);
		try {
			await read(req);
		} catch (readError) {
			if (!isDirectusError(readError)) return next(new InvalidQueryError({ reason: 'The query string could not be read' }));
		}
		next(error);
	};
}

// Access tokens the host can't even look up. A token that is not a Directus JWT is taken for a
// static token and looked up in `directus_users.token`; on PostgreSQL a NUL byte in it fails the
// query itself, and the host answers 500 to any route (`?access_token=%00`). Tokens never hold
// control characters, so such a request gets, before the host reads it, the answer the host
// gives any unknown token: 401 INVALID_CREDENTIALS.
const CONTROL = /[\u0000-\u001f\u007f]/;

export function refuseUnreadableTokens(sessionCookieName: string) {
	return (req: Request, _res: Response, next: NextFunction) => {
		if (carriesUnreadableToken(req, sessionCookieName)) return next(new InvalidCredentialsError());
		next();
	};
}

export function carriesUnreadableToken(req: Pick<Request, 'query' | 'headers'>, sessionCookieName: string): boolean {
	const query = (req.query ?? {}) as Record<string, unknown>;
	const fromQuery = query['access_token'];
	if (typeof fromQuery === 'string' && CONTROL.test(fromQuery)) return true;
	if (Array.isArray(fromQuery) && fromQuery.some((v) => typeof v === 'string' && CONTROL.test(v))) return true;
	const authorization = req.headers['authorization'];
	if (typeof authorization === 'string' && CONTROL.test(authorization)) return true;
	const cookie = req.headers['cookie'];
	if (typeof cookie === 'string' && cookie.includes(sessionCookieName)) {
		for (const part of cookie.split(';')) {
			const at = part.indexOf('=');
			if (at < 0 || part.slice(0, at).trim() !== sessionCookieName) continue;
			let value = part.slice(at + 1).trim();
			try {
				value = decodeURIComponent(value);
			} catch {
				// left as sent: the host's cookie parser keeps an undecodable value as it is
			}
			if (CONTROL.test(value)) return true;
		}
	}
	return false;
}
