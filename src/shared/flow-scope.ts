// Marks writes made by the extension's own flows. The guard lets `flow` transitions (into
// `invited`/`unverified`, `invited -> active`, ...) through only inside such a scope; the host
// calls filter hooks inside the same async context, so the mark travels with the write.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface FlowScope {
	/** Which path made the change, recorded as `via` in the audit trail. */
	via: string;
	/** Who asked for it (a user id), or null for the public / the system. */
	actor: string | null;
	reason?: string | null;
	/** Allows writing `tfa_secret` (two-factor flows only). */
	tfa?: boolean;
}

const storage = new AsyncLocalStorage<FlowScope>();

export function runAsFlow<T>(scope: FlowScope, work: () => Promise<T>): Promise<T> {
	return storage.run(scope, work);
}

export function currentFlow(): FlowScope | undefined {
	return storage.getStore();
}
