// In-process ordering per key (a user id): `KeyedTurns` runs one task per key at a time, in
// arrival order; `PendingWork` remembers writes still running so a later step can wait for them.
// Neither spans instances: the database arbitrates across a cluster, these only close the gaps a
// single process would otherwise leave open between a check and its booking.

export class KeyedTurns {
	private readonly tails = new Map<string, Promise<void>>();

	/** Runs `task` once every earlier task of `key` has settled. */
	async run<T>(key: string, task: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		let release!: () => void;
		const mine = new Promise<void>((resolve) => (release = resolve));
		const tail = previous.then(() => mine);
		this.tails.set(key, tail);
		await previous;
		try {
			return await task();
		} finally {
			release();
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}
}

export class PendingWork {
	private readonly byKey = new Map<string, Set<Promise<unknown>>>();

	/** Remembers `work` under `key` until it settles (its errors are the caller's to handle). */
	track(key: string, work: Promise<unknown>): void {
		const settled = work.then(
			() => undefined,
			() => undefined,
		);
		let set = this.byKey.get(key);
		if (!set) this.byKey.set(key, (set = new Set()));
		set.add(settled);
		void settled.then(() => {
			set!.delete(settled);
			if (set!.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
		});
	}

	/** Resolves once the work tracked under `key` (or under any key) at call time has settled. */
	async settled(key?: string): Promise<void> {
		const sets = key === undefined ? [...this.byKey.values()] : [this.byKey.get(key) ?? new Set()];
		await Promise.all(sets.flatMap((set) => [...set]));
	}
}
