// The durable mail outbox. A mail is written in the transaction of the change that caused it,
// then claimed (atomically, so two instances never send one mail twice), sent, and marked.
// The template data carries a link with a token: it is sealed at rest and erased once sent.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { chunks } from '../shared/util/batch.js';
import { newId, orderedId, seal, unseal } from '../shared/util/crypto.js';
import { toMillis } from '../shared/util/time.js';

export const OUTBOX_TABLE = 'user_lifecycle_outbox';

/** `retried`: a failed mail someone sent again (its capability queued a fresh one). */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'retried';

export interface OutboxMail {
	kind: string;
	to: string;
	subject: string;
	template: { name: string; data: Record<string, unknown> };
}

export interface ClaimedMail extends OutboxMail {
	id: string;
	attempts: number;
	/** This worker's claim: marking needs it, so a worker whose lease ran out can't overwrite a newer claim. */
	claim: string;
}

export async function ensureOutboxTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, OUTBOX_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('kind', 64).notNullable();
		table.string('recipient', 255).notNullable();
		table.string('subject', 255).notNullable();
		table.string('template', 64).notNullable();
		table.text('payload').nullable();
		table.string('status', 16).notNullable();
		table.integer('attempts').notNullable().defaultTo(0);
		table.bigInteger('next_attempt_at').notNullable();
		table.string('claim', 36).nullable();
		table.bigInteger('claimed_until').nullable();
		table.text('last_error').nullable();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('sent_at').nullable();
		table.index(['status', 'next_attempt_at']);
		table.index(['claim']);
	});
}

/** A retried mail names the mail its retry queued (the Outbox page links the two). */
async function addRetriedAsColumn(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasColumn(OUTBOX_TABLE, 'retried_as'))) {
		await knex.schema.alterTable(OUTBOX_TABLE, (table) => table.string('retried_as', 36).nullable());
	}
}

export const OUTBOX_MIGRATIONS: Migration[] = [
	{ id: '0002-outbox', tables: [OUTBOX_TABLE], up: ensureOutboxTables },
	{ id: '0016-outbox-retried-as', tables: [], up: addRetriedAsColumn },
];

export async function enqueueMails(knex: Knex, key: Buffer, mails: OutboxMail[]): Promise<void> {
	const now = Date.now();
	const rows = mails.map((mail) => ({
		id: orderedId(),
		kind: mail.kind,
		recipient: mail.to,
		subject: mail.subject,
		template: mail.template.name,
		payload: seal(key, JSON.stringify(mail.template.data)),
		status: 'pending',
		attempts: 0,
		next_attempt_at: now,
		created_at: now,
	}));
	// 250 rows a statement: under SQLite's 500-term compound select, far under PostgreSQL's parameter cap.
	for (const batch of chunks(rows, 250)) await knex(OUTBOX_TABLE).insert(batch);
}

/**
 * Claims up to `limit` due mails for this worker. Due: pending and past its next attempt, or
 * stuck in `sending` past its claim (its instance died mid-send). Two statements, portable to
 * every database: mark by id with the due condition repeated, then read back by claim id.
 */
export async function claimDueMails(knex: Knex, key: Buffer, limit: number, leaseMs: number): Promise<ClaimedMail[]> {
	const now = Date.now();
	const due = (q: Knex.QueryBuilder) =>
		q.where((w) =>
			w.where((p) => p.where('status', 'pending').where('next_attempt_at', '<=', now))
				.orWhere((s) => s.where('status', 'sending').where('claimed_until', '<', now)),
		);
	const candidates = await due(knex(OUTBOX_TABLE).select('id')).orderBy('next_attempt_at', 'asc').limit(limit);
	if (candidates.length === 0) return [];
	const claim = newId();
	await due(knex(OUTBOX_TABLE).whereIn('id', candidates.map((row: { id: string }) => row.id))).update({
		status: 'sending',
		claim,
		claimed_until: now + leaseMs,
		attempts: knex.raw('?? + 1', ['attempts']),
	});
	const rows = await knex(OUTBOX_TABLE).where({ claim, status: 'sending' });
	return rows.map((row) => ({
		id: row.id,
		kind: row.kind,
		to: row.recipient,
		subject: row.subject,
		attempts: Number(row.attempts),
		claim,
		template: { name: row.template, data: row.payload ? JSON.parse(unseal(key, row.payload)) : {} },
	}));
}

export async function markSent(knex: Knex, id: string, claim?: string): Promise<void> {
	await byClaim(knex, id, claim).update({ status: 'sent', sent_at: Date.now(), payload: null, claim: null, claimed_until: null, last_error: null });
}

/** Sent mails, marked in one statement per 250 (each only under its own claim). */
export async function markSentMany(knex: Knex, mails: { id: string; claim: string }[]): Promise<void> {
	const now = Date.now();
	await perClaim(mails, (claim, ids) =>
		knex(OUTBOX_TABLE)
			.whereIn('id', ids)
			.where({ claim })
			.update({ status: 'sent', sent_at: now, payload: null, claim: null, claimed_until: null, last_error: null }),
	);
}

/** Runs `work` once per claim and 250 of its mails' ids. */
async function perClaim(mails: { id: string; claim: string }[], work: (claim: string, ids: string[]) => Promise<unknown>): Promise<void> {
	const byClaimId = new Map<string, string[]>();
	for (const mail of mails) {
		const ids = byClaimId.get(mail.claim);
		if (ids) ids.push(mail.id);
		else byClaimId.set(mail.claim, [mail.id]);
	}
	for (const [claim, ids] of byClaimId) for (const batch of chunks(ids, 250)) await work(claim, batch);
}

/** A failed try: back to pending after `retryAt`, or `failed` for good (error kept) when none is left. */
/** Records a failed try; the number of rows it marked (0: the claim was no longer this worker's). */
export async function markFailed(knex: Knex, id: string, error: string, retryAt: number | null, claim?: string): Promise<number> {
	return byClaim(knex, id, claim).update(
			retryAt === null
				? { status: 'failed', last_error: error.slice(0, 2000), claim: null, claimed_until: null, payload: null }
				: { status: 'pending', last_error: error.slice(0, 2000), claim: null, claimed_until: null, next_attempt_at: retryAt },
		);
}

/** Gives claimed mails back untouched (a drain stopped before trying them): due again at once. */
export async function releaseClaims(knex: Knex, mails: { id: string; claim: string }[]): Promise<void> {
	// The claim counted a try that never happened: it is taken back.
	const untried = knex.raw('CASE WHEN ?? > 0 THEN ?? - 1 ELSE 0 END', ['attempts', 'attempts']);
	await perClaim(mails, (claim, ids) =>
		knex(OUTBOX_TABLE).whereIn('id', ids).where({ claim }).update({ status: 'pending', claim: null, claimed_until: null, attempts: untried }),
	);
}

function byClaim(knex: Knex, id: string, claim: string | undefined): Knex.QueryBuilder {
	const query = knex(OUTBOX_TABLE).where({ id });
	return claim === undefined ? query : query.where({ claim });
}

/**
 * Moves a failed mail to `retried` or back; one conditional UPDATE, so of two concurrent retries
 * of one mail exactly one wins. Answers whether this call made the move.
 */
export async function moveFailedMail(knex: Knex, id: string, from: 'failed' | 'retried', to: 'failed' | 'retried'): Promise<boolean> {
	return (await knex(OUTBOX_TABLE).where({ id, status: from }).update({ status: to })) > 0;
}

/** The mail of `kind` to `recipient` queued last since `since` (a retry's own), if any. */
export async function mailQueuedSince(knex: Knex, kind: string, recipient: string, since: number): Promise<string | null> {
	const row = await knex(OUTBOX_TABLE)
		.select('id')
		.where({ kind })
		.whereRaw('LOWER(??) = ?', ['recipient', recipient.toLowerCase()])
		.where('created_at', '>=', since)
		.orderBy('created_at', 'desc')
		.orderBy('id', 'desc')
		.first();
	return row ? String(row.id) : null;
}

/** Links a retried mail to the one its retry queued. */
export async function markRetriedAs(knex: Knex, id: string, newId: string): Promise<void> {
	await knex(OUTBOX_TABLE).where({ id }).update({ retried_as: newId });
}

export async function nextDueAt(knex: Knex): Promise<number | null> {
	const row = await knex(OUTBOX_TABLE).min({ at: 'next_attempt_at' }).where('status', 'pending').first();
	return toMillis(row?.at);
}
