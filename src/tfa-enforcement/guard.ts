// The request guard: in front of every host route, a user whose policies enforce two-factor and
// who has none gets 403 TFA_REQUIRED for anything but setting it up. It runs after the host's
// authentication (routes.before), so the caller's accountability — user and role tree — is known.
import type { NextFunction, Request, Response } from 'express';
import type { HostRequest } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import { mustSetUpTwoFactor } from '../shared/users.js';
import { tfaRequired } from './errors.js';
import type { EnforcingPolicies } from './enforcing-policies.js';
import { allowedDuringSetUp, type ParsedQuery } from './set-up-requests.js';

type GuardedRequest = HostRequest & { token?: string | null; sanitizedQuery?: ParsedQuery };

/**
 * The host's own test (`utils/is-directus-jwt`): a token whose payload says `iss: "directus"` is
 * an access or session token; anything else that authenticated is a user's static token.
 */
export function isHostJwt(token: string): boolean {
	return jwtClaims(token)?.iss === 'directus';
}

/** A JWT's claims, decoded but not verified (only ever read to refuse, never to let in); null when it isn't one. */
export function jwtClaims(token: string): { iss?: unknown; id?: unknown; share?: unknown } | null {
	const parts = token.split('.');
	if (parts.length !== 3) return null;
	try {
		const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
		return claims && typeof claims === 'object' ? claims : null;
	} catch {
		return null;
	}
}

export function twoFactorEnforcementGuard(rt: Runtime, enforcing: EnforcingPolicies) {
	return (request: Request, _res: Response, next: NextFunction) => {
		const req = request as GuardedRequest;
		const accountability = req.accountability;
		const user = accountability?.user;
		// Anonymous, shares, and callers an `authenticate` filter let in without a token: not ours to judge.
		if (!user || accountability.share || typeof req.token !== 'string' || req.token === '') return next();
		// No policy of the project enforces it (the common case), as kept a moment ago: nothing to decode or wait for.
		if (enforcing.known() === false) return next();
		if (!rt.config.enforceTfaStaticTokens && !isHostJwt(req.token)) return next();
		if (allowedDuringSetUp(req.method, req.path, req.sanitizedQuery)) return next();
		// No policy of the project enforces it (the common case): nothing to look up per user.
		enforcing
			.any()
			.then((any) => (any ? mustSetUpTwoFactor(rt.knex, user, accountability.roles ?? []) : false))
			.then((refuse) => next(refuse ? tfaRequired() : undefined), next);
	};
}
