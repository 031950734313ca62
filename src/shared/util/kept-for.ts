// A value read at most once per `ttlMs`: callers in between get the kept value, concurrent callers
// share one read, a failed read is not kept, and `forget` drops it at once — a read that started
// before `forget` answers its callers but keeps nothing (it may predate the change).
export class KeptFor<T> {
	private known: { value: T; at: number } | null = null;
	private pending: Promise<T> | null = null;
	private generation = 0;

	constructor(private readonly ttlMs: number) {}

	/** The kept value while it is fresh, without waiting; `undefined` when a read is due. */
	peek(): T | undefined {
		return this.known && Date.now() - this.known.at < this.ttlMs ? this.known.value : undefined;
	}

	get(read: () => Promise<T>): Promise<T> {
		if (this.known && Date.now() - this.known.at < this.ttlMs) return Promise.resolve(this.known.value);
		if (!this.pending) {
			const generation = this.generation;
			const pending: Promise<T> = read()
				.then((value) => {
					if (generation === this.generation) this.known = { value, at: Date.now() };
					return value;
				})
				.finally(() => {
					if (this.pending === pending) this.pending = null;
				});
			this.pending = pending;
		}
		return this.pending;
	}

	forget(): void {
		this.generation++;
		this.known = null;
		this.pending = null;
	}
}
