// Which client a change came from, for the audit trail's `via`: this extension's module in the
// Data Studio ('studio'), the host's own Data Studio pages ('app', its user form), or any other
// caller ('api'). Told by the Referer a browser sends with the Data Studio's requests to the same
// host. It names a path for readers of the trail and decides nothing: a caller sending another
// Referer only mislabels its own change, whose actor is recorded all the same.
import type { NextFunction, Request, Response } from 'express';
import { ScopedStorage } from './util/scoped.js';

export type StudioClient = 'studio' | 'app';

const clients = new ScopedStorage<StudioClient>();

/** The Data Studio page a request was sent from, by its same-host Referer; null for any other caller. */
export function studioClientOf(req: Pick<Request, 'headers'>): StudioClient | null {
	const referer = req.headers['referer'];
	if (typeof referer !== 'string' || referer.length > 4096) return null;
	let page: URL;
	try {
		page = new URL(referer);
	} catch {
		return null;
	}
	if (page.host !== req.headers['host']) return null;
	if (/\/admin\/user-lifecycle(\/|$)/.test(page.pathname)) return 'studio';
	return /\/admin(\/|$)/.test(page.pathname) ? 'app' : null;
}

/**
 * Middleware: a request from a Data Studio page runs in a scope that names its client until its
 * answer is sent. Other requests get no scope (no async tracking on the API's hot paths).
 */
export function markStudioClient() {
	return (req: Request, res: Response, next: NextFunction) => {
		const client = studioClientOf(req);
		if (!client) return next();
		void clients.run(client, () => new Promise<void>((resolve) => {
			res.once('finish', resolve);
			res.once('close', resolve);
			next();
		}));
	};
}

/** The audit trail's `via` for a change made by a signed-in caller's request: its client, else `fallback`. */
export function callerPath(fallback = 'api'): string {
	return clients.getStore() ?? fallback;
}
