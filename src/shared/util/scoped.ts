// An AsyncLocalStorage that is switched on only while one of its scopes runs. Node 22 tracks an
// enabled storage through a hook on every promise the process creates, the host's included: on
// a 1,000-user bulk update that cost about 7% of the request (bench/). Switched off once its
// last scope has ended, it costs nothing between the flows that use it.
import { AsyncLocalStorage } from 'node:async_hooks';

export class ScopedStorage<T> {
	private readonly storage = new AsyncLocalStorage<T>();
	private running = 0;

	/** Runs `work` with `store` as the current scope (and every async step it starts). */
	async run<R>(store: T, work: () => Promise<R>): Promise<R> {
		this.running++;
		try {
			return await this.storage.run(store, work);
		} finally {
			// Whatever `work` left running after it settled no longer sees the scope once none is
			// running: a scope that has ended counts as no scope.
			if (--this.running === 0) this.storage.disable();
		}
	}

	/** The scope this async step runs in, if one is still running. */
	getStore(): T | undefined {
		return this.running > 0 ? this.storage.getStore() : undefined;
	}
}
