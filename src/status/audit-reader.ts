// The audit trail's reader: one user's events, and the whole trail filtered and paged with its
// count. Read through the host's ItemsService as the caller: admins, or whoever may read the audit
// collection (a reason can say more than a status; reading a user doesn't give it). Every instant
// goes out as ISO 8601 with its zone (`Z`), whatever the database handed back.
import type { Filter } from '@directus/types';
import { AUDIT_TABLE } from '../shared/audit.js';
import { schemaFor, type FlowOptions } from '../shared/host.js';
import type { Runtime } from '../shared/runtime.js';
import { ForbiddenError } from '../shared/util/errors.js';
import { toMillis } from '../shared/util/time.js';

export interface AuditEventView {
	id: string;
	user: string;
	event: string;
	from: string | null;
	to: string | null;
	actor: string | null;
	via: string;
	reason: string | null;
	at: string;
}

const FIELDS = ['id', 'user', 'event', 'from', 'to', 'actor', 'via', 'reason', 'at'];

function eventsAsCaller(rt: Runtime, options: FlowOptions) {
	if (!options.accountability?.user) throw new ForbiddenError();
	return schemaFor(rt, options).then((schema) => new rt.services.ItemsService(AUDIT_TABLE, { knex: rt.knex, schema, accountability: options.accountability }));
}

/** A user's audit events, oldest first. */
export async function userEvents(rt: Runtime, userId: string, options: FlowOptions & { limit?: number }): Promise<AuditEventView[]> {
	const events = await eventsAsCaller(rt, options);
	const rows = (await events.readByQuery({ filter: { user: { _eq: userId } }, fields: FIELDS, sort: ['at', 'id'], limit: options.limit ?? 1000 })) as Record<string, unknown>[];
	return rows.map(toEventView);
}

export interface EventsQuery {
	users?: string[];
	actors?: string[];
	/** Only events without an actor (the public, the system). */
	systemActor?: boolean;
	events?: string[];
	via?: string[];
	/** Epoch ms, inclusive. */
	from?: number;
	/** Epoch ms, exclusive. */
	to?: number;
	limit: number;
	offset: number;
}

/** One page of the trail, newest first, and how many events match the filter. */
export async function listEvents(rt: Runtime, query: EventsQuery, options: FlowOptions): Promise<{ events: AuditEventView[]; count: number }> {
	const events = await eventsAsCaller(rt, options);
	const filter = eventsFilter(query);
	const [rows, counted] = await Promise.all([
		events.readByQuery({ filter, fields: FIELDS, sort: ['-at', '-id'], limit: query.limit, offset: query.offset }) as Promise<Record<string, unknown>[]>,
		events.readByQuery({ filter, aggregate: { count: ['*'] } }) as Promise<{ count: unknown }[]>,
	]);
	return { events: rows.map(toEventView), count: Number(counted[0]?.count ?? 0) };
}

function eventsFilter(query: EventsQuery): Filter {
	const all: Filter[] = [];
	if (query.users) all.push({ user: { _in: query.users } });
	if (query.actors && query.systemActor) all.push({ _or: [{ actor: { _in: query.actors } }, { actor: { _null: true } }] });
	else if (query.actors) all.push({ actor: { _in: query.actors } });
	else if (query.systemActor) all.push({ actor: { _null: true } });
	if (query.events) all.push({ event: { _in: query.events } });
	if (query.via) all.push({ via: { _in: query.via } });
	if (query.from !== undefined) all.push({ at: { _gte: new Date(query.from).toISOString() } });
	if (query.to !== undefined) all.push({ at: { _lt: new Date(query.to).toISOString() } });
	return all.length > 0 ? { _and: all } : {};
}

/** A stored event as the API shows it: `at` as an ISO date-time whatever the database returned. */
export function toEventView(row: Record<string, unknown>): AuditEventView {
	const at = row['at'];
	const ms = toMillis(at) ?? Date.parse(String(at));
	return { ...(row as unknown as AuditEventView), at: new Date(ms).toISOString() };
}
