// The outbox as a tool: list mails by status and recipient with their last error, one mail, and
// send a failed one again. Who may do any of it is the host's call: reading the outbox collection
// as the caller (admins, or whoever a policy lets read it); the resend itself runs as the caller too.
import type { Filter } from '@directus/types';
import type { MailRetry } from '../shared/capability.js';
import { schemaFor, type FlowOptions } from '../shared/host.js';
import { mailQueuedSince, markRetriedAs, moveFailedMail, OUTBOX_TABLE, type OutboxStatus } from './store.js';
import type { Runtime } from '../shared/runtime.js';
import { ForbiddenError } from '../shared/util/errors.js';
import { toMillis } from '../shared/util/time.js';
import { kindCannotBeRetried, nothingQueued, notAFailedMail } from './errors.js';

/** What the module shows of a mail: never its template data (it held a link with a token). */
export interface OutboxMailView {
	id: string;
	kind: string;
	recipient: string;
	subject: string;
	status: OutboxStatus;
	attempts: number;
	last_error: string | null;
	created_at: string;
	sent_at: string | null;
	/** For a retried mail: the mail its retry queued. */
	retried_as: string | null;
}

const FIELDS = ['id', 'kind', 'recipient', 'subject', 'status', 'attempts', 'last_error', 'created_at', 'sent_at', 'retried_as'];
const iso = (value: unknown) => {
	const ms = toMillis(value);
	return ms === null ? null : new Date(ms).toISOString();
};

const view = (row: Record<string, unknown>): OutboxMailView => ({
	...(row as unknown as OutboxMailView),
	attempts: Number(row['attempts']),
	created_at: iso(row['created_at'])!,
	sent_at: iso(row['sent_at']),
	retried_as: (row['retried_as'] as string | null | undefined) ?? null,
});

async function outboxAsCaller(rt: Runtime, options: FlowOptions) {
	if (!options.accountability?.user) throw new ForbiddenError();
	const schema = await schemaFor(rt, options);
	return new rt.services.ItemsService(OUTBOX_TABLE, { knex: rt.knex, schema, accountability: options.accountability });
}

export interface OutboxQuery {
	status: OutboxStatus | 'all';
	/** Part of the recipient's address, any case. */
	search?: string;
	limit: number;
	offset: number;
}

/** One page of mails, newest first, and how many match. */
export async function listOutbox(rt: Runtime, query: OutboxQuery, options: FlowOptions): Promise<{ mails: OutboxMailView[]; count: number }> {
	const items = await outboxAsCaller(rt, options);
	const all: Filter[] = [];
	if (query.status !== 'all') all.push({ status: { _eq: query.status } });
	if (query.search) all.push({ recipient: { _icontains: query.search } });
	const filter: Filter = all.length > 0 ? { _and: all } : {};
	const [rows, counted] = await Promise.all([
		items.readByQuery({ filter, fields: FIELDS, sort: ['-created_at', '-id'], limit: query.limit, offset: query.offset }) as Promise<Record<string, unknown>[]>,
		items.readByQuery({ filter, aggregate: { count: ['*'] } }) as Promise<{ count: unknown }[]>,
	]);
	return { mails: rows.map(view), count: Number(counted[0]?.count ?? 0) };
}

/** One mail (the host's 403 for one the caller may not read, alike for a made-up id). */
export async function readMail(rt: Runtime, id: string, options: FlowOptions): Promise<OutboxMailView> {
	const items = await outboxAsCaller(rt, options);
	return view((await items.readOne(id, { fields: FIELDS })) as Record<string, unknown>);
}

/**
 * Sends a failed mail again through the capability that queued it; the row becomes `retried` and
 * names the new mail, which is the answer (queued: the outbox delivers it, or fails it, later). A
 * retry that queues nothing (the address's hourly mail limit, an account that no longer waits for
 * this mail) changes nothing and says so.
 */
export async function retryMail(rt: Runtime, retries: ReadonlyMap<string, MailRetry>, id: string, options: FlowOptions): Promise<OutboxMailView> {
	const items = await outboxAsCaller(rt, options);
	// The host's refusal (403) for a row the caller may not read, the same as for a made-up id.
	const row = (await items.readOne(id, { fields: ['id', 'kind', 'recipient', 'status'] })) as { id: string; kind: string; recipient: string; status: string };
	if (row.status !== 'failed') throw notAFailedMail(id);
	const retry = retries.get(row.kind);
	if (!retry) throw kindCannotBeRetried(row.kind);
	if (!(await moveFailedMail(rt.knex, id, 'failed', 'retried'))) throw notAFailedMail(id);
	const since = Date.now();
	let queued: string | null;
	try {
		await retry(rt, row.recipient, options);
		queued = await mailQueuedSince(rt.knex, row.kind, row.recipient, since);
		if (queued === null) throw nothingQueued(row.recipient);
	} catch (error) {
		await moveFailedMail(rt.knex, id, 'retried', 'failed');
		throw error;
	}
	await markRetriedAs(rt.knex, id, queued);
	return readMail(rt, queued, options);
}
