// Listing and ending a user's sessions: the caller's own, or (with update permission on that user)
// anyone's. Every ending is one audit event with how many ended, and one `sessions-ended` event
// after the commit.
import { recordEvents } from '../shared/audit.js';
import { callerPath } from '../shared/request-client.js';
import type { Runtime } from '../shared/runtime.js';
import { chainOf, chainSessions, expiresAt, isLive, readUserSessionRows, type SessionChain } from '../shared/sessions.js';
import { endSessionChains, sessionId, sweepLateSuccessors } from './store.js';
import { currentSessionUnknown, sessionNotFound } from './errors.js';
import type { Scope } from './schemas.js';

export interface SessionView {
	id: string;
	expires: string | null;
	ip: string | null;
	user_agent: string | null;
	origin: string | null;
	/** The OAuth client (MCP) the session was granted to; null for a sign-in. */
	oauth_client: string | null;
	/** True for the session the request came with. */
	current: boolean;
}

/** Whose sessions, on whose behalf, and which of them the request itself came with (its token). */
export interface SessionsTarget {
	user: string;
	actor: string;
	current: string | null;
}

/** Which sessions to end: one by its id, all but the current, or all. */
export type Ending = { scope: 'one'; id: string } | { scope: Scope };

/** The user's live sessions, the current one first, then the longest-lived. */
export async function listSessions(rt: Runtime, target: SessionsTarget): Promise<SessionView[]> {
	const now = Date.now();
	const chains = chainSessions(await readUserSessionRows(rt.knex, target.user)).filter((chain) => isLive(chain, now));
	const current = chainOf(chains, target.current);
	return chains
		.map((chain) => view(rt, chain, chain === current))
		.sort((a, b) => Number(b.current) - Number(a.current) || (b.expires ?? '').localeCompare(a.expires ?? ''));
}

/** Ends the sessions `ending` names; returns how many ended (and whether the current one did). */
export async function endSessions(rt: Runtime, target: SessionsTarget, ending: Ending): Promise<{ ended: number; endedCurrent: boolean }> {
	const result = await rt.knex.transaction(async (trx) => {
		const now = Date.now();
		const chains = chainSessions(await readUserSessionRows(trx, target.user, { lock: true }));
		const current = chainOf(chains, target.current);
		let doomed: SessionChain[];
		if (ending.scope === 'one') {
			const chain = chains.find((c) => isLive(c, now) && c.tokens.some((token) => sessionId(rt.key('session-ids'), token) === ending.id));
			if (!chain) throw sessionNotFound();
			doomed = [chain];
		} else if (ending.scope === 'others') {
			if (!current) throw currentSessionUnknown();
			doomed = chains.filter((chain) => chain !== current);
		} else {
			doomed = chains;
		}
		const ended = await endSessionChains(trx, target.user, doomed, now);
		if (ended > 0) {
			await recordEvents(trx, [
				{ user: target.user, event: 'sessions-ended', actor: target.actor, via: callerPath(), reason: `${ended} session${ended === 1 ? '' : 's'} ended (scope: ${ending.scope})` },
			]);
		}
		return { ended, endedCurrent: current !== undefined && doomed.includes(current), doomed };
	});
	sweepLateSuccessors(rt.knex, target.user, result.doomed);
	if (result.ended > 0) rt.events.emit('sessions-ended', { user: target.user, actor: target.actor, via: 'api', count: result.ended, scope: ending.scope });
	return { ended: result.ended, endedCurrent: result.endedCurrent };
}

function view(rt: Runtime, chain: SessionChain, current: boolean): SessionView {
	const { head } = chain;
	const expires = expiresAt(head);
	return {
		id: sessionId(rt.key('session-ids'), head.token),
		expires: expires === null ? null : new Date(expires).toISOString(),
		ip: head.ip ?? null,
		user_agent: head.user_agent ?? null,
		origin: head.origin ?? null,
		oauth_client: head.oauth_client ?? null,
		current,
	};
}
