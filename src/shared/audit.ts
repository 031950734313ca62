// The audit trail: one row per lifecycle event (a status change, a two-factor reset, ...).
// Written only by the extension (with knex, never through the host's item services), so the
// collection stays read-only for everyone while admins browse it in the Data Studio.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from './migrations.js';
import { orderedId } from './util/crypto.js';

export const AUDIT_TABLE = 'user_lifecycle_events';

export interface AuditEvent {
	user: string;
	/** 'status' for a status change; other kinds: 'tfa-reset', ... */
	event: string;
	from?: string | null;
	to?: string | null;
	/** The user who made the change, or null for the public / the system. */
	actor: string | null;
	/** The path that made it: 'registration', 'invitation', 'api', 'schedule', 'tfa-reset', ... */
	via: string;
	reason?: string | null;
}

export async function ensureAuditTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, AUDIT_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user', 36).notNullable().index();
		table.string('event', 32).notNullable();
		table.string('from', 32).nullable();
		table.string('to', 32).nullable();
		table.string('actor', 36).nullable();
		table.string('via', 64).notNullable();
		table.text('reason').nullable();
		// Milliseconds: MySQL's TIMESTAMP would otherwise keep whole seconds and lose the order.
		table.timestamp('at', { useTz: true, precision: 3 }).notNullable().index();
	});
}

export const AUDIT_MIGRATIONS: Migration[] = [{ id: '0004-audit', tables: [AUDIT_TABLE], up: ensureAuditTables }];

/** Records a flow's few events in one builder insert (the status guard's large batches have their own inserts). */
export async function recordEvents(knex: Knex, events: AuditEvent[]): Promise<void> {
	if (events.length > 0) await knex(AUDIT_TABLE).insert(auditRows(events));
}

export const AUDIT_COLUMNS = ['id', 'user', 'event', 'from', 'to', 'actor', 'via', 'reason', 'at'] as const;
export type AuditRow = Record<(typeof AUDIT_COLUMNS)[number], string | Date | null>;

export function auditRows(events: readonly AuditEvent[]): AuditRow[] {
	const at = new Date();
	return events.map((e) => ({
		id: orderedId(),
		user: e.user,
		event: e.event,
		from: e.from ?? null,
		to: e.to ?? null,
		actor: e.actor,
		via: e.via,
		reason: e.reason ?? null,
		at,
	}));
}
