// Route plumbing shared by every capability: one-line handlers in the host's envelope and error
// format, the signed-in user, the options a flow takes, a link's token.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { NextFunction, Request, Response } from 'express';
import { token as tokenField, parseInput, z } from './input.js';
import { stashedQueryToken, stashQueryToken } from './log-redaction.js';
import { InvalidCredentialsError } from './util/errors.js';
import type { Client } from './notice-details.js';

/** The door a request came in by, named in lifecycle events: our routes, the host's REST routes, its GraphQL. */
export type Door = 'api' | 'native' | 'graphql';

export type HostRequest = Request & { accountability?: Accountability | null; schema?: SchemaOverview };

/** An answer with the host's `meta` beside its `data` (a page of a list: `filter_count`). */
class WithMeta {
	constructor(
		readonly data: unknown,
		readonly meta: Record<string, unknown>,
	) {}
}

export const withMeta = (data: unknown, meta: Record<string, unknown>) => new WithMeta(data, meta);

/**
 * Wraps an async route: its result is the answer (`undefined` = 204, otherwise `{ data }`, or
 * `{ data, meta }` by `withMeta`), and any error goes to the host's error handler, which speaks
 * the host's error format.
 */
export function handle(work: (req: HostRequest, res: Response) => Promise<unknown>) {
	return (req: Request, res: Response, next: NextFunction) => {
		work(req as HostRequest, res)
			.then((result) => {
				if (res.headersSent) return;
				if (result === undefined) res.status(204).end();
				else if (result instanceof WithMeta) res.json({ data: result.data, meta: result.meta });
				else res.json({ data: result });
			})
			.catch(next);
	};
}

export function requireUser(req: HostRequest): string {
	const user = req.accountability?.user;
	if (!user) throw new InvalidCredentialsError();
	return user;
}

// Who made a request: its IP and user agent (events carry them, for security notices).
export type { Client };
/** For calls with no request behind them. */
export const NO_CLIENT: Client = { ip: null, user_agent: null };

/** Who made the request (IP and user agent, as the host's accountability records them). */
export function clientOf(req: HostRequest): Client {
	const header = req.headers?.['user-agent'];
	return { ip: req.accountability?.ip ?? req.ip ?? null, user_agent: req.accountability?.userAgent ?? (typeof header === 'string' ? header : null) };
}

export function flowOptions(req: HostRequest): { accountability: Accountability | null; schema?: SchemaOverview; via: Door } {
	return { accountability: req.accountability ?? null, schema: req.schema, via: doorOf(req) };
}

/** Our routes live under /user-lifecycle; the GraphQL door is /graphql/system; the rest are the host's own routes. */
export function doorOf(req: Request): Door {
	const path = (req.originalUrl ?? req.url ?? '').split('?')[0]!.toLowerCase();
	if (path.startsWith('/user-lifecycle/') || path === '/user-lifecycle') return 'api';
	if (path.startsWith('/graphql')) return 'graphql';
	return 'native';
}

const queryToken = z.strictObject({ token: tokenField() });

/** The `?token=` of a link's request, from where the redaction stashed it (stashed here when it did not run). */
export function takeQueryToken(req: { query: unknown; url: string; originalUrl: string }): string {
	if (!stashedQueryToken(req)) stashQueryToken(req);
	return parseInput(queryToken, { token: stashedQueryToken(req)?.token }).token;
}
