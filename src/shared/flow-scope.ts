// Marks writes made by the extension's own flows. The guard lets `flow` transitions (into
// `invited`/`unverified`, `invited -> active`, ...) through only inside such a scope; the host
// calls filter hooks inside the same async context, so the mark travels with the write.
//
// The mark belongs to the flow's own writes, not to whatever they set off: the host also calls
// action hooks (other extensions', Flows triggered by `users.*` events) inside this async context,
// and their writes usually land after the flow is over. So a scope is open only while the flow's
// work runs; a write that comes later finds it closed and is judged as what it is.
import type { Knex } from 'knex';
import { ScopedStorage } from './util/scoped.js';
import { isTransaction } from './util/sql.js';

export interface FlowScope {
	/** Which path made the change, recorded as `via` in the audit trail. */
	via: string;
	/** Who asked for it (a user id), or null for the public / the system. */
	actor: string | null;
	reason?: string | null;
	/** Allows writing `tfa_secret` (two-factor flows only). */
	tfa?: boolean;
}

interface OpenScope {
	scope: FlowScope;
	open: boolean;
	/** The transaction the flow creates users in: their audit records wait for its commit. */
	transaction?: Knex;
}

const storage = new ScopedStorage<OpenScope>();

export async function runAsFlow<T>(scope: FlowScope, work: () => Promise<T>): Promise<T> {
	const mark: OpenScope = { scope, open: true };
	try {
		return await storage.run(mark, work);
	} finally {
		mark.open = false;
	}
}

/** The flow whose work is running in this async context, if it is still running. */
export function currentFlow(): FlowScope | undefined {
	const mark = storage.getStore();
	return mark?.open ? mark.scope : undefined;
}

/** Remembers the transaction the running flow writes users in (the guard's create filter sees it). */
export function noteFlowTransaction(database: Knex): void {
	const mark = storage.getStore();
	if (mark?.open && isTransaction(database)) mark.transaction = database;
}

/**
 * Resolves once the running flow's transaction has committed (at once when there is none), and
 * never when it rolls back: the host fires `users.create` actions before our transaction ends, and
 * a record of a user that was rolled back away would be a lie.
 */
export function afterFlowCommit(): Promise<void> {
	return afterCommit(storage.getStore()?.transaction);
}

/**
 * Resolves once `database`'s outermost transaction has committed (at once when it is no
 * transaction), and never when it rolls back.
 */
export function afterCommit(database: Knex | undefined): Promise<void> {
	type Transactor = Knex & { executionPromise?: Promise<unknown>; parentTransaction?: Transactor };
	let transaction = database as Transactor | undefined;
	// A savepoint's promise settles when it is released: what counts is the outermost commit.
	while (transaction?.parentTransaction) transaction = transaction.parentTransaction;
	if (!transaction?.executionPromise) return Promise.resolve();
	return transaction.executionPromise.then(
		() => undefined,
		() => new Promise<void>(() => {}),
	);
}
