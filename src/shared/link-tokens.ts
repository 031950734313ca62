// Tokens in mailed links (invitations, password resets): JWTs (`{ email, scope, jti }`, HS256,
// issuer "directus") so the Data Studio's pages can show the email; signed with the extension's
// key (derived from SECRET), so the host never takes them for its own. Single use and revocation
// come from the hashed `jti` in the token store, not from the JWT.
import jwt from 'jsonwebtoken';
import { InvalidTokenError, TokenExpiredError } from './util/errors.js';

const ISSUER = 'directus';

export function signLinkToken(key: Buffer, scope: string, email: string, jti: string, expiresInSeconds: number): string {
	return jwt.sign({ email, scope }, key, { algorithm: 'HS256', expiresIn: expiresInSeconds, issuer: ISSUER, jwtid: jti });
}

/** The `jti` and email of a `scope` token signed by us: 401 TOKEN_EXPIRED past its expiry, 403 INVALID_TOKEN otherwise. */
export function readLinkToken(key: Buffer, scope: string, token: string): { jti: string; email: string } {
	let payload: jwt.JwtPayload | string;
	try {
		payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: ISSUER });
	} catch (error) {
		if ((error as Error).name === 'TokenExpiredError') throw new TokenExpiredError();
		throw new InvalidTokenError();
	}
	if (typeof payload !== 'object' || payload['scope'] !== scope || typeof payload.jti !== 'string' || typeof payload['email'] !== 'string') {
		throw new InvalidTokenError();
	}
	return { jti: payload.jti, email: payload['email'] };
}
