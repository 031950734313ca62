// Reset tokens: JWTs (`{ email, scope: "password-reset", jti }`, HS256, issuer "directus") so the
// Data Studio's reset page can show the email; signed with the extension's key (derived from
// SECRET), so the host never takes them for its own. Single use and revocation come from the
// hashed `jti` in the token store, not from the JWT.
import jwt from 'jsonwebtoken';
import type { Runtime } from '../shared/runtime.js';
import { InvalidTokenError, TokenExpiredError } from '../shared/util/errors.js';

const ISSUER = 'directus';
export const RESET_SCOPE = 'password-reset';

export function signResetToken(rt: Pick<Runtime, 'tokenKey'>, email: string, jti: string, expiresInSeconds: number): string {
	return jwt.sign({ email, scope: RESET_SCOPE }, rt.tokenKey, { algorithm: 'HS256', expiresIn: expiresInSeconds, issuer: ISSUER, jwtid: jti });
}

/** The `jti` and email of a reset token signed by us: 401 TOKEN_EXPIRED past its expiry, 403 INVALID_TOKEN otherwise. */
export function readResetToken(rt: Pick<Runtime, 'tokenKey'>, token: string): { jti: string; email: string } {
	let payload: jwt.JwtPayload | string;
	try {
		payload = jwt.verify(token, rt.tokenKey, { algorithms: ['HS256'], issuer: ISSUER });
	} catch (error) {
		if ((error as Error).name === 'TokenExpiredError') throw new TokenExpiredError();
		throw new InvalidTokenError();
	}
	if (typeof payload !== 'object' || payload['scope'] !== RESET_SCOPE || typeof payload.jti !== 'string' || typeof payload['email'] !== 'string') {
		throw new InvalidTokenError();
	}
	return { jti: payload.jti, email: payload['email'] };
}
