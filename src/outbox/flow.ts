// The outbox as a tool: list mails by status with their last error, and send a failed one again.
// Who may do either is the host's call: reading the outbox collection as the caller (admins, or
// whoever a policy lets read it); the resend itself runs as the caller too.
import type { MailRetry } from '../shared/capability.js';
import { schemaFor, type FlowOptions } from '../shared/host.js';
import { moveFailedMail, OUTBOX_TABLE, type OutboxStatus } from './store.js';
import type { Runtime } from '../shared/runtime.js';
import { ForbiddenError } from '../shared/util/errors.js';
import { toMillis } from '../shared/util/time.js';
import { kindCannotBeRetried, notAFailedMail } from './errors.js';

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
}

const FIELDS = ['id', 'kind', 'recipient', 'subject', 'status', 'attempts', 'last_error', 'created_at', 'sent_at'];
const iso = (value: unknown) => {
	const ms = toMillis(value);
	return ms === null ? null : new Date(ms).toISOString();
};

async function outboxAsCaller(rt: Runtime, options: FlowOptions) {
	if (!options.accountability?.user) throw new ForbiddenError();
	const schema = await schemaFor(rt, options);
	return new rt.services.ItemsService(OUTBOX_TABLE, { knex: rt.knex, schema, accountability: options.accountability });
}

export async function listOutbox(rt: Runtime, query: { status: OutboxStatus; limit: number }, options: FlowOptions): Promise<OutboxMailView[]> {
	const items = await outboxAsCaller(rt, options);
	const rows = (await items.readByQuery({ filter: { status: { _eq: query.status } }, fields: FIELDS, sort: ['-created_at'], limit: query.limit })) as Record<string, unknown>[];
	return rows.map((row) => ({
		...(row as unknown as OutboxMailView),
		attempts: Number(row['attempts']),
		created_at: iso(row['created_at'])!,
		sent_at: iso(row['sent_at']),
	}));
}

/** Sends a failed mail again through the capability that queued it; the row becomes `retried`. */
export async function retryMail(rt: Runtime, retries: ReadonlyMap<string, MailRetry>, id: string, options: FlowOptions): Promise<void> {
	const items = await outboxAsCaller(rt, options);
	// The host's refusal (403) for a row the caller may not read, the same as for a made-up id.
	const row = (await items.readOne(id, { fields: ['id', 'kind', 'recipient', 'status'] })) as { id: string; kind: string; recipient: string; status: string };
	if (row.status !== 'failed') throw notAFailedMail(id);
	const retry = retries.get(row.kind);
	if (!retry) throw kindCannotBeRetried(row.kind);
	if (!(await moveFailedMail(rt.knex, id, 'failed', 'retried'))) throw notAFailedMail(id);
	try {
		await retry(rt, row.recipient, options);
	} catch (error) {
		await moveFailedMail(rt.knex, id, 'retried', 'failed');
		throw error;
	}
}
