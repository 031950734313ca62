// The guard: status transitions on every write path (REST, GraphQL, Data Studio, Flows, other
// extensions — they all go through the host's item services, which emit users.create/update),
// tfa_secret protection, no way around a pending invitation or verification, sessions ending
// when a user leaves `active`, and the audit trail.
import type { Accountability, RegisterFunctions, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { recordEvents, type AuditEvent } from '../shared/audit.js';
import { afterFlowCommit, currentFlow, noteFlowTransaction, type FlowScope } from '../shared/flow-scope.js';
import { clearPendingFlow, markPendingFlow, pendingFlowsOf, type PendingFlow } from '../shared/pending-flows.js';
import { mayTransition, type Writer } from '../shared/policy/transitions.js';
import type { Runtime } from '../shared/runtime.js';
import { statusesOf } from '../shared/users.js';
import { inBatches } from '../shared/util/batch.js';
import { newId } from '../shared/util/crypto.js';
import { flowStillPending, tfaSecretNotWritable, transitionRefused } from './errors.js';
import { clearSuspensionEnds } from './store.js';

/** The host's default for a new user without a status (directus_users.status). */
const DEFAULT_STATUS = 'active';

/** The status each pending flow waits in, and the flow (scope `via`) that completes it. */
const PENDING: Record<string, { flow: PendingFlow; via: string }> = {
	invited: { flow: 'invitation', via: 'invitation' },
	unverified: { flow: 'verification', via: 'registration' },
};
const COMPLETED_BY: Record<PendingFlow, string> = { invitation: 'invitation', verification: 'registration' };
/** Where a completed flow takes the user (the host parks an accepted invite as `inactive-license` when seats run out). */
const COMPLETION_STATUSES = new Set(['active', 'inactive-license']);

interface Context {
	database: Knex;
	accountability: Accountability | null;
	schema?: SchemaOverview;
}

interface StatusChanges {
	events: AuditEvent[];
	/** Users leaving `active`: their sessions end. */
	leftActive: string[];
	/** Users leaving `suspended`, or suspended anew: an earlier timed end no longer applies. */
	endSuspensionTimers: string[];
	/** Users leaving `invited`/`unverified` without completing the flow. */
	stillPending: { user: string; flow: PendingFlow }[];
	/** Users whose pending flow just completed. */
	completed: string[];
}

export function registerGuard(register: RegisterFunctions, rt: Runtime): void {
	// Changes checked by an update filter outside a transaction, recorded by the matching action
	// once the write is done. The host hands the filter and the action the same `keys` array.
	const pending = new WeakMap<object, StatusChanges>();
	const newUsers = new AuditQueue(rt);
	// Users whose creation a flow recorded in its own transaction (their action has nothing to add),
	// per flow: the record goes with the flow, whether its transaction commits or not.
	const recordedByFlow = new WeakMap<FlowScope, Set<string>>();

	register.filter('users.create', async (payload, _meta, context) => {
		const { accountability, database } = context as unknown as Context;
		const scope = currentFlow();
		const item = payload as Record<string, unknown>;
		assertTfaSecretUntouched(item, scope, accountability);
		const to = 'status' in item ? String(item['status']) : DEFAULT_STATUS;
		if ('status' in item && !mayTransition(rt.config.transitions, null, to, writerOf(scope, accountability))) {
			throw transitionRefused(null, to);
		}
		if (!scope) return;
		noteFlowTransaction(database);
		// A flow creating users in its transaction records them there: the record shares the
		// user's fate. It needs the id before the insert, so the flow's new user gets one here —
		// where no field permission can refuse it (the system or an admin writes); other callers'
		// creations are recorded after the commit.
		const inTransaction = (database as Knex & { isTransaction?: boolean }).isTransaction === true;
		if (!inTransaction || (accountability !== null && accountability.admin !== true)) return;
		const id = typeof item['id'] === 'string' && item['id'] !== '' ? item['id'] : newId();
		await recordEvents(database, [statusEvent(id, null, to, scope, accountability)]);
		recordedByFlow.set(scope, (recordedByFlow.get(scope) ?? new Set<string>()).add(id));
		return { ...item, id };
	});

	register.filter('users.update', async (payload, meta, context) => {
		const { accountability, database, schema } = context as unknown as Context;
		const scope = currentFlow();
		const item = payload as Record<string, unknown>;
		const keys = (meta as { keys?: (string | number)[] }).keys ?? [];
		const refuse = async (error: Error): Promise<never> => {
			// The guard tells nobody anything: a caller who may not make this write at all gets the
			// host's own refusal, alike for a real and a made-up id.
			await assertCallerMayUpdate(rt, database, schema, accountability, keys, item);
			throw error;
		};
		try {
			assertTfaSecretUntouched(item, scope, accountability);
		} catch (error) {
			return refuse(error as Error);
		}
		if (!('status' in item) || keys.length === 0) return;
		const to = String(item['status']);
		const writer = writerOf(scope, accountability);
		const rows = await statusesOf(database, keys);
		// Accounts that still owe a flow reach `active` only through it, whatever chain of cells led here.
		const owed = to === 'active' ? await pendingFlowsOf(database, rows.map((row) => row.id)) : new Map<string, PendingFlow>();
		// One query per 500 users for the whole batch; a refused row refuses the whole write.
		const changes: StatusChanges = { events: [], leftActive: [], endSuspensionTimers: [], stillPending: [], completed: [] };
		for (const row of rows) {
			const from = row.status;
			if (!mayTransition(rt.config.transitions, from, to, writer)) return refuse(transitionRefused(from, to));
			const owes = owed.get(row.id);
			if (owes && scope?.via !== COMPLETED_BY[owes]) return refuse(flowStillPending(from, to, owes));
			if (from === to) {
				// A new suspension without an end cancels an earlier timed one; a reason is worth a record.
				if (to === 'suspended') changes.endSuspensionTimers.push(row.id);
				if (scope?.reason) changes.events.push(statusEvent(row.id, from, to, scope, accountability));
				continue;
			}
			changes.events.push(statusEvent(row.id, from, to, scope, accountability));
			if (from === 'active') changes.leftActive.push(row.id);
			if (from === 'suspended') changes.endSuspensionTimers.push(row.id);
			const waiting = from === null ? undefined : PENDING[from];
			if (waiting && to !== from) {
				if (scope?.via === waiting.via && COMPLETION_STATUSES.has(to)) changes.completed.push(row.id);
				else if (!(to in PENDING)) changes.stillPending.push({ user: row.id, flow: waiting.flow });
			}
			if (owes && COMPLETION_STATUSES.has(to)) changes.completed.push(row.id);
		}
		// Written before the write, not after it: a quick `draft -> active` must already meet it.
		// (Should the write fail, the user still owes the flow: the record says nothing false.)
		await markStillPending(database, changes.stillPending);
		changes.stillPending = [];
		if (changes.events.length + changes.endSuspensionTimers.length === 0) return;
		// Inside a caller's transaction the record shares the write's fate (a later refusal
		// rolls both back); otherwise the action records it once the write has succeeded.
		if ((database as Knex & { isTransaction?: boolean }).isTransaction) await applyChanges(database, changes);
		else pending.set(keys, changes);
	});

	register.action('users.update', async (meta) => {
		const keys = (meta as { keys?: object }).keys;
		const changes = keys ? pending.get(keys) : undefined;
		if (!keys || !changes) return;
		pending.delete(keys);
		await applyChanges(rt.knex, changes).catch((error) => rt.logger.error(error, '[user-lifecycle] could not record status changes'));
	});

	register.action('users.create', async (meta, context) => {
		const { accountability } = context as unknown as Context;
		const { key, payload } = meta as { key?: string | number; payload?: Record<string, unknown> };
		if (key === undefined || key === null) return;
		const to = payload && payload['status'] !== undefined && payload['status'] !== null ? String(payload['status']) : DEFAULT_STATUS;
		const scope = currentFlow();
		if (scope && recordedByFlow.get(scope)?.delete(String(key))) return; // recorded in the flow's transaction
		const event = statusEvent(String(key), null, to, scope, accountability);
		// A flow's new users are recorded once its transaction commits (and not at all on a rollback).
		afterFlowCommit().then(() => newUsers.push(event));
	});
}

async function markStillPending(knex: Knex, stillPending: StatusChanges['stillPending']): Promise<void> {
	for (const flow of ['invitation', 'verification'] as const) {
		const users = stillPending.filter((p) => p.flow === flow).map((p) => p.user);
		if (users.length > 0) await markPendingFlow(knex, users, flow);
	}
}

const PROBE_ROLLBACK = Symbol('permission probe');

/**
 * For a caller through the API who isn't an admin: makes the same write through the host's
 * UsersService with the caller's accountability, inside a savepoint that is always rolled back
 * (events off, nothing kept). A caller the host would refuse gets the host's own error (403).
 */
async function assertCallerMayUpdate(
	rt: Runtime,
	database: Knex,
	schema: SchemaOverview | undefined,
	accountability: Accountability | null,
	keys: (string | number)[],
	payload: Record<string, unknown>,
): Promise<void> {
	if (!accountability || accountability.admin || currentFlow()) return;
	try {
		await database.transaction(async (sp) => {
			const users = new rt.services.UsersService({ knex: sp, schema: schema ?? (await rt.getSchema()), accountability });
			await users.updateMany(keys, payload, { emitEvents: false });
			throw PROBE_ROLLBACK;
		});
	} catch (error) {
		if (error === PROBE_ROLLBACK) return;
		throw error;
	}
}

/**
 * New users' audit records, written in batches: a bulk create (1,000 invitations in one
 * transaction) fires one action per user, and on SQLite the first insert waits for that
 * transaction to end, while the others gather for one insert after it.
 */
class AuditQueue {
	private items: AuditEvent[] = [];
	private draining: Promise<void> | null = null;

	constructor(private readonly rt: Runtime) {}

	push(event: AuditEvent): void {
		this.items.push(event);
		if (!this.draining) this.drain();
	}

	private drain(): void {
		this.draining = (async () => {
			await new Promise((resolve) => setImmediate(resolve));
			while (this.items.length > 0) {
				const batch = this.items.splice(0, 1000);
				await recordEvents(this.rt.knex, batch).catch((error) => this.rt.logger.error(error, '[user-lifecycle] could not record new users'));
			}
		})().finally(() => {
			this.draining = null;
			if (this.items.length > 0) this.drain();
		});
	}
}

function writerOf(scope: FlowScope | undefined, accountability: Accountability | null): Writer {
	if (scope) return { kind: 'flow' };
	if (!accountability) return { kind: 'host' };
	return { kind: 'api', admin: accountability.admin === true };
}

function statusEvent(user: string, from: string | null, to: string, scope: FlowScope | undefined, accountability: Accountability | null): AuditEvent {
	return {
		user,
		event: 'status',
		from,
		to,
		actor: scope ? scope.actor : (accountability?.user ?? null),
		via: scope ? scope.via : accountability ? 'api' : 'host',
		reason: scope?.reason ?? null,
	};
}

/** Only the two-factor flows write `tfa_secret`; the host's own writes without a caller stay possible. */
function assertTfaSecretUntouched(item: Record<string, unknown>, scope: FlowScope | undefined, accountability: Accountability | null): void {
	if (!('tfa_secret' in item)) return;
	if (scope ? scope.tfa === true : accountability === null) return;
	throw tfaSecretNotWritable();
}

/**
 * The audit records and their consequences. Inside the write's transaction: there, in order.
 * After the write: on SQLite in one transaction (one commit, one sync to disk); elsewhere as
 * parallel statements (one round trip of latency instead of four).
 */
async function applyChanges(knex: Knex, changes: StatusChanges): Promise<void> {
	const inTransaction = (knex as Knex & { isTransaction?: boolean }).isTransaction === true;
	if (!inTransaction && isSqlite(knex)) return knex.transaction((trx) => applyChanges(trx, changes));
	const work = [
		() => recordEvents(knex, changes.events),
		// The host ends sessions itself on UsersService writes; item writes to directus_users don't.
		() => inBatches(changes.leftActive, 500, (batch) => knex('directus_sessions').whereIn('user', batch).delete()),
		() => clearSuspensionEnds(knex, changes.endSuspensionTimers),
		async () => {
			await markStillPending(knex, changes.stillPending);
			await clearPendingFlow(knex, changes.completed);
		},
	];
	if (inTransaction) for (const step of work) await step();
	else await Promise.all(work.map((step) => step()));
}

function isSqlite(knex: Knex): boolean {
	const client = (knex.client as { config?: { client?: unknown } }).config?.client;
	return typeof client === 'string' && client.startsWith('sqlite');
}
