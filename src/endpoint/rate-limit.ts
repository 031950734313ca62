import type { NextFunction, Request, Response } from 'express';
import { HitRateLimitError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { hit } from '../store/rate-limits.js';
import type { HostRequest } from './respond.js';

/**
 * The host's registration rate limit (RATE_LIMITER_REGISTRATION_*, per IP), kept in the database
 * so all instances share it. Our routes and the host routes we serve would otherwise escape it.
 */
export function registrationRateLimit(rt: Runtime) {
	return (req: Request, res: Response, next: NextFunction) => {
		const limit = rt.config.registrationRateLimit;
		const ip = (req as HostRequest).accountability?.ip ?? req.ip;
		if (!limit || !ip) return next();
		rt.ready
			.then(() => hit(rt.knex, `registration:${ip}`, limit.windowMs))
			.then(({ hits, resetAt }) => {
				if (hits <= limit.points) return next();
				res.set('Retry-After', String(Math.ceil((resetAt - Date.now()) / 1000)));
				next(new HitRateLimitError({ limit: limit.points, reset: new Date(resetAt) }));
			})
			.catch(next);
	};
}
