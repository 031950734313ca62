// The guard: status transitions on every write path (REST, GraphQL, Data Studio, Flows, other
// extensions — they all go through the host's item services, which emit users.create/update),
// tfa_secret protection, no way around a pending invitation or verification, sessions ending
// when a user leaves `active`, the audit trail, and the `status-changed` event once it committed.
//
// Where the record is written (one commit per write, not two: a separate commit was most of the
// guard's cost on SQLite):
// - the filter runs inside a transaction (a flow's, the schedule's, a caller's): there;
// - a tracked write outside one (REST, GraphQL, a service with a caller): in the host's own write
//   transaction, from the `activity.create` filter the host fires inside it for the write's
//   activity row; the schema object tells which checked changes that row belongs to (the host
//   hands the write's filter and its activity row the same one, and makes a new one per request);
// - otherwise (no request, no activity tracked): by the `users.update` action, after the write.
// Sessions of users leaving `active` end with the record, except on the host's own write path
// (UsersService outside a transaction), which ends them itself right after its commit, when no
// filter of someone else's ran before the guard (the host reads the caller's own payload).
import type { Accountability, FilterHandler, RegisterFunctions, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { AuditEvent } from '../shared/audit.js';
import { auditInserts } from './audit-inserts.js';
import { afterCommit, afterFlowCommit, currentFlow, noteFlowTransaction, type FlowScope } from '../shared/flow-scope.js';
import { probeUsersWrite } from '../shared/may-write.js';
import { callerPath } from '../shared/request-client.js';
import { clearPendingFlow, markPendingFlow, type PendingFlow } from '../shared/pending-flows.js';
import { mayTransition, type Writer } from './transitions.js';
import type { Runtime } from '../shared/runtime.js';
import { chunks } from '../shared/util/batch.js';
import { dialectOf, isTransaction } from '../shared/util/sql.js';
import { runWrites } from './writes.js';
import { newId } from '../shared/util/crypto.js';
import { followedByOthers, registerLast, runsBeforeOthers } from './filter-order.js';
import { flowStillPending, tfaSecretNotWritable, transitionRefused } from './errors.js';
import { guardedUsers, preparedAuditInsert, recordStatusEvents, suspensionEndDeletes, writtenStatuses, type GuardedUser } from './store.js';
import { writtenByUsersService } from './writing-service.js';

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

/** Changes checked by an update filter outside a transaction, waiting for the host's write. */
interface Checked {
	changes: StatusChanges;
	users: Set<string>;
	/** The caller (the host's activity row names it). */
	actor: string | null;
	/** The host's write transaction the record went into, if it did. */
	writtenIn: Knex | null;
	/** The host's UsersService makes the write: it ends the sessions of users leaving `active` itself, after its commit. */
	hostEndsSessions: boolean;
	/** Someone else's filter runs after the guard's: what it needs to check the write again as written. */
	verify: { rows: GuardedUser[]; scope: FlowScope | undefined; accountability: Accountability | null; to: string } | null;
}

/**
 * Per schema object (one per request: the host clones its schema for each), the changes its
 * update filters checked that still wait for their write. No async context needed: an
 * AsyncLocalStorage per request would put a hook on every promise of every request.
 */
const waitingBySchema = new WeakMap<object, Set<Checked>>();

export function registerGuard(register: RegisterFunctions, rt: Runtime): void {
	// Changes checked by an update filter outside a transaction, recorded in the host's write
	// transaction or by the matching action once the write is done. The host hands the filter and
	// the action the same `keys` array.
	const pending = new WeakMap<object, Checked>();
	const usedTransactions = new WeakSet<object>();
	const newUsers = new AuditQueue(rt);
	// Users whose creation a flow recorded in its own transaction (their action has nothing to add),
	// per flow: the record goes with the flow, whether its transaction commits or not.
	const recordedByFlow = new WeakMap<FlowScope, Set<string>>();

	registerLast(register, rt, 'users.create', (async (payload, _meta, context) => {
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
		if (!isTransaction(database) || (accountability !== null && accountability.admin !== true)) return;
		const id = typeof item['id'] === 'string' && item['id'] !== '' ? item['id'] : newId();
		await recordStatusEvents(database, [statusEvent(id, null, to, scope, accountability)]);
		recordedByFlow.set(scope, (recordedByFlow.get(scope) ?? new Set<string>()).add(id));
		return { ...item, id };
	}));

	const updateFilter: FilterHandler = async (payload, meta, context) => {
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
		// One read per 500 users for the whole batch; a refused row refuses the whole write.
		const rows = await guardedUsers(database, keys);
		const { changes, refusal } = decide(rt, rows, () => to, scope, accountability);
		if (refusal) return refuse(refusal);
		// Written before the write, not after it: a quick `draft -> active` must already meet it.
		// (Should the write fail, the user still owes the flow: the record says nothing false.)
		if (changes.stillPending.length > 0) {
			await markStillPending(database, changes.stillPending);
			changes.stillPending = [];
		}
		// A filter of someone else's that runs after this one (the guard keeps its filter last, but
		// one registered on a wildcard or behind the host's back may follow) can rewrite the status
		// checked here: the write is then checked again as written (verifyWrite).
		const listeners = rt.events.hostFilters('users.update');
		const followed = followedByOthers(listeners, updateFilter);
		if (changes.events.length + changes.endSuspensionTimers.length === 0 && !followed) return;
		// Inside a caller's transaction the record shares the write's fate (a later refusal
		// rolls both back); otherwise the action records it once the write has succeeded.
		if (isTransaction(database)) {
			await applyChanges(database, changes);
			void afterCommit(database).then(() => announce(rt, changes));
			return;
		}
		const checked: Checked = {
			changes,
			users: new Set(rows.map((row) => row.id)),
			actor: accountability?.user ?? null,
			writtenIn: null,
			// The host decides from the caller's own payload: a filter of someone else's that ran
			// before this one (another extension, a blocking Flow) may have rewritten the status it sees.
			hostEndsSessions:
				changes.leftActive.length > 0 && !followed && writtenByUsersService() && runsBeforeOthers(listeners ?? [], updateFilter),
			verify: followed ? { rows, scope, accountability, to } : null,
		};
		pending.set(keys, checked);
		// Only a write with a caller makes an activity row.
		if (accountability && schema) {
			const waiting = waitingBySchema.get(schema) ?? new Set<Checked>();
			waiting.add(checked);
			waitingBySchema.set(schema, waiting);
		}
	};
	registerLast(register, rt, 'users.update', updateFilter);

	// Called once per activity row (1,000 times for a 1,000-user bulk update): every row but the
	// one that writes the record is answered without an async step.
	register.filter('activity.create', (payload, _meta, context) => {
		const row = payload as Record<string, unknown>;
		if (row['collection'] !== 'directus_users' || row['action'] !== 'update') return payload;
		const { database, schema } = context as unknown as Context;
		const waiting = schema ? waitingBySchema.get(schema) : undefined;
		if (!waiting || waiting.size === 0) return payload;
		// One write, one transaction, one set of changes (a bulk update makes one row per user).
		if (!isTransaction(database) || usedTransactions.has(database)) return payload;
		const user = String(row['item']);
		const actor = typeof row['user'] === 'string' ? row['user'] : null;
		const checked = [...waiting].find((c) => c.writtenIn === null && c.actor === actor && c.users.has(user));
		if (!checked) return payload;
		usedTransactions.add(database);
		checked.writtenIn = database;
		// Should this transaction roll back (the host retries some), the record goes with it and waits again.
		(database as Knex & { executionPromise?: Promise<unknown> }).executionPromise?.catch(() => {
			if (checked.writtenIn === database) checked.writtenIn = null;
		});
		// Sessions the host ends itself right after this commit are not ended twice (measured: the
		// second delete was a third of the guard's cost on a single SQLite PATCH).
		const written = checked.verify ? verifyWrite(rt, database, checked) : Promise.resolve(checked.changes);
		return written.then((changes) => applyChanges(database, checked.hostEndsSessions ? { ...changes, leftActive: [] } : changes)).then(() => payload);
	});

	register.action('users.update', async (meta, context) => {
		const keys = (meta as { keys?: object }).keys;
		const checked = keys ? pending.get(keys) : undefined;
		if (!keys || !checked) return;
		pending.delete(keys);
		const { schema } = context as unknown as Context;
		if (schema) waitingBySchema.get(schema)?.delete(checked);
		if (checked.writtenIn === null) {
			try {
				// Committed without a step inside the write: checked again as written, too late to refuse.
				if (checked.verify) await verifyWrite(rt, rt.knex, checked, { committed: true });
				await applyChanges(rt.knex, checked.changes);
			} catch (error) {
				rt.logger.error(error, '[user-lifecycle] could not record status changes');
			}
		}
		// The write committed (the host fires this action only then).
		announce(rt, checked.changes);
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

/**
 * The guard's decision on a write of `toOf(row)` to each of `rows` (their state before it): the
 * changes to record, or the first refusal.
 */
function decide(
	rt: Runtime,
	rows: readonly GuardedUser[],
	toOf: (row: GuardedUser) => string,
	scope: FlowScope | undefined,
	accountability: Accountability | null,
	{ whole = false } = {},
): { changes: StatusChanges; refusal: Error | null } {
	const writer = writerOf(scope, accountability);
	const changes: StatusChanges = { events: [], leftActive: [], endSuspensionTimers: [], stillPending: [], completed: [] };
	let refusal: Error | null = null;
	for (const row of rows) {
		const from = row.status;
		const to = toOf(row);
		// Accounts that still owe a flow reach `active` only through it, whatever chain of cells led here.
		const owes = to === 'active' ? row.owes : null;
		const refused = !mayTransition(rt.config.transitions, from, to, writer)
			? transitionRefused(from, to)
			: owes && scope?.via !== COMPLETED_BY[owes]
				? flowStillPending(from, to, owes)
				: null;
		// `whole`: every row as written, refused ones included (a committed write is recorded as it happened).
		if (refused && !whole) return { changes, refusal: refused };
		refusal ??= refused;
		// A timed end no longer applies once the user leaves `suspended` or is suspended anew.
		if (row.timed && (from === 'suspended' || to === 'suspended')) changes.endSuspensionTimers.push(row.id);
		if (from === to) {
			// A reason is worth a record.
			if (scope?.reason) changes.events.push(statusEvent(row.id, from, to, scope, accountability));
			continue;
		}
		changes.events.push(statusEvent(row.id, from, to, scope, accountability));
		if (from === 'active') changes.leftActive.push(row.id);
		const waiting = from === null ? undefined : PENDING[from];
		if (waiting) {
			if (scope?.via === waiting.via && COMPLETION_STATUSES.has(to)) changes.completed.push(row.id);
			else if (!(to in PENDING)) changes.stillPending.push({ user: row.id, flow: waiting.flow });
		}
		if (owes && !refused && COMPLETION_STATUSES.has(to)) changes.completed.push(row.id);
	}
	return { changes, refusal };
}

/**
 * A write checked before a filter of someone else's ran, checked again as written: inside the
 * write's transaction, a move the guard refuses throws (the write rolls back); once committed
 * (no step inside the write), it can only be recorded as it happened and reported. The checked
 * changes become the written ones.
 */
async function verifyWrite(rt: Runtime, knex: Knex, checked: Checked, { committed = false } = {}): Promise<StatusChanges> {
	const verify = checked.verify!;
	const written = await writtenStatuses(knex, verify.rows.map((row) => row.id));
	const writtenTo = (row: GuardedUser) => written.get(row.id) ?? verify.to;
	if (verify.rows.every((row) => writtenTo(row) === verify.to)) return checked.changes;
	const { changes, refusal } = decide(rt, verify.rows, writtenTo, verify.scope, verify.accountability, { whole: committed });
	if (refusal && !committed) throw refusal;
	if (refusal) rt.logger.error(`[user-lifecycle] a filter that runs after the guard's rewrote a status write made without a caller into a move the guard refuses (${refusal.message}); it is recorded as written`);
	checked.changes = changes;
	await markStillPending(knex, checked.changes.stillPending);
	checked.changes.stillPending = [];
	return checked.changes;
}

async function markStillPending(knex: Knex, stillPending: StatusChanges['stillPending']): Promise<void> {
	for (const flow of ['invitation', 'verification'] as const) {
		const users = stillPending.filter((p) => p.flow === flow).map((p) => p.user);
		if (users.length > 0) await markPendingFlow(knex, users, flow);
	}
}

/**
 * For a caller through the API who isn't an admin: the same write, probed through the host's
 * UsersService with the caller's accountability (events off, nothing kept). A caller the host
 * would refuse gets the host's own error (403).
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
	await probeUsersWrite(rt, database, schema ?? (await rt.getSchema()), accountability, (users) => users.updateMany(keys, payload, { emitEvents: false }));
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
				await recordStatusEvents(this.rt.knex, batch).catch((error) => this.rt.logger.error(error, '[user-lifecycle] could not record new users'));
			}
		})().finally(() => {
			this.draining = null;
			if (this.items.length > 0) this.drain();
		});
	}
}

/** `status-changed`, once per user whose status changed (a reason alone on an unchanged status is no change). */
function announce(rt: Runtime, changes: StatusChanges): void {
	rt.events.emit(
		'status-changed',
		changes.events
			.filter((event) => event.from !== event.to)
			.map((event) => ({ user: event.user, actor: event.actor, via: event.via, from: event.from ?? null, to: event.to ?? null, reason: event.reason ?? null })),
	);
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
		via: scope ? scope.via : accountability ? callerPath() : 'host',
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
 * The audit records and their consequences. Inside the write's transaction: there, as few
 * statements as the database allows (one on PostgreSQL). After the write: on SQLite in one
 * transaction (one commit, one sync to disk); elsewhere as parallel statements (one round trip of
 * latency instead of four).
 */
async function applyChanges(knex: Knex, changes: StatusChanges): Promise<void> {
	const inTransaction = isTransaction(knex);
	if (!inTransaction && dialectOf(knex) === 'sqlite') return knex.transaction((trx) => applyChanges(trx, changes));
	const others = [
		// Item writes to directus_users don't end sessions; UsersService writes do, after their
		// commit (the activity path leaves those to the host: writing-service.ts).
		...chunks(changes.leftActive, 500).map((batch) => knex('directus_sessions').whereIn('user', batch).delete()),
		...suspensionEndDeletes(knex, changes.endSuspensionTimers),
	];
	// A few records (a single PATCH: one) as a prepared statement; on PostgreSQL only when alone,
	// as several writes are one statement there anyway.
	const prepared = others.length === 0 || dialectOf(knex) === 'sqlite' ? preparedAuditInsert(knex, changes.events) : null;
	// Each on its own table: they may run as one statement (builders run only when awaited).
	const writes = [...(prepared ? [] : auditInserts(knex, changes.events)), ...others];
	// The same table twice (rare: a flow left pending, another completed): one after the other.
	const pendingFlows = async () => {
		await markStillPending(knex, changes.stillPending);
		await clearPendingFlow(knex, changes.completed);
	};
	if (inTransaction) {
		await prepared?.();
		await runWrites(knex, writes);
		await pendingFlows();
	} else {
		await Promise.all([...(prepared ? [prepared()] : []), ...writes.map((write) => write.then(() => undefined)), pendingFlows()]);
	}
}
