// The guard: status transitions on every write path (REST, GraphQL, Data Studio, other
// extensions — they all go through the host's item services, which emit users.create/update),
// tfa_secret protection, sessions ending when a user leaves `active`, and the audit trail.
import type { Accountability, RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { recordEvents, type AuditEvent } from '../shared/audit.js';
import { currentFlow, type FlowScope } from '../shared/flow-scope.js';
import { mayTransition, type Writer } from '../shared/policy/transitions.js';
import type { Runtime } from '../shared/runtime.js';
import { statusesOf } from '../shared/users.js';
import { inBatches } from '../shared/util/batch.js';
import { tfaSecretNotWritable, transitionRefused } from './errors.js';
import { clearSuspensionEnds } from './store.js';

/** The host's default for a new user without a status (directus_users.status). */
const DEFAULT_STATUS = 'active';

interface Context {
	database: Knex;
	accountability: Accountability | null;
}

interface StatusChanges {
	events: AuditEvent[];
	/** Users leaving `active`: their sessions end. */
	leftActive: string[];
	/** Users leaving `suspended`: a pending timed end no longer applies. */
	leftSuspended: string[];
}

export function registerGuard(register: RegisterFunctions, rt: Runtime): void {
	// Changes checked by an update filter outside a transaction, recorded by the matching action
	// once the write is done. The host hands the filter and the action the same `keys` array.
	const pending = new WeakMap<object, StatusChanges>();
	const newUsers = new AuditQueue(rt);

	register.filter('users.create', async (payload, _meta, context) => {
		const { accountability } = context as unknown as Context;
		const scope = currentFlow();
		const item = payload as Record<string, unknown>;
		assertTfaSecretUntouched(item, scope, accountability);
		if (!('status' in item)) return;
		const to = String(item['status']);
		if (!mayTransition(rt.config.transitions, null, to, writerOf(scope, accountability))) {
			throw transitionRefused(null, to);
		}
	});

	register.filter('users.update', async (payload, meta, context) => {
		const { accountability, database } = context as unknown as Context;
		const scope = currentFlow();
		const item = payload as Record<string, unknown>;
		assertTfaSecretUntouched(item, scope, accountability);
		if (!('status' in item)) return;
		const keys = (meta as { keys?: (string | number)[] }).keys ?? [];
		if (keys.length === 0) return;
		const to = String(item['status']);
		const writer = writerOf(scope, accountability);
		// One query per 500 users for the whole batch; a refused row refuses the whole write.
		const changes: StatusChanges = { events: [], leftActive: [], leftSuspended: [] };
		for (const row of await statusesOf(database, keys)) {
			const from = row.status;
			if (!mayTransition(rt.config.transitions, from, to, writer)) throw transitionRefused(from, to);
			if (from === to) continue;
			changes.events.push(statusEvent(row.id, from, to, scope, accountability));
			if (from === 'active') changes.leftActive.push(row.id);
			if (from === 'suspended') changes.leftSuspended.push(row.id);
		}
		if (changes.events.length === 0) return;
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
		newUsers.push(statusEvent(String(key), null, to, currentFlow(), accountability));
	});
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
		() => clearSuspensionEnds(knex, changes.leftSuspended),
	];
	if (inTransaction) for (const step of work) await step();
	else await Promise.all(work.map((step) => step()));
}

function isSqlite(knex: Knex): boolean {
	const client = (knex.client as { config?: { client?: unknown } }).config?.client;
	return typeof client === 'string' && client.startsWith('sqlite');
}
