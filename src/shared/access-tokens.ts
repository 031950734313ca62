// Access tokens the host can't even look up. A token that is not a Directus JWT is taken for a
// static token and looked up in `directus_users.token`; on PostgreSQL a NUL byte in it fails the
// query itself, and the host answers 500 to any route (`?access_token=%00`). Tokens never hold
// control characters, so such a request gets, before the host reads it, the answer the host
// gives any unknown token: 401 INVALID_CREDENTIALS.
import type { NextFunction, Request, Response } from 'express';
import { InvalidCredentialsError } from './util/errors.js';

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
