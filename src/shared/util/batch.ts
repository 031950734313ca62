// One batching helper for every "per 500 rows" loop: statements stay under the databases'
// parameter limits (SQLite's compound-select cap, PostgreSQL's bind-parameter cap).

export function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

/** Runs `work` on each batch of `size` items, one after the other; returns the results in order. */
export async function inBatches<T, R>(items: readonly T[], size: number, work: (batch: T[]) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (const batch of chunks(items, size)) results.push(await work(batch));
	return results;
}

/**
 * Repeats `step(limit)` until it does less than a full batch (or `maxBatches` ran): pruning and
 * the schedule's sweeps; the next period picks up whatever is left.
 */
export async function drain(step: (limit: number) => Promise<number>, size: number, maxBatches = 1000): Promise<number> {
	let total = 0;
	for (let batch = 0; batch < maxBatches; batch++) {
		const done = await step(size);
		total += done;
		if (done < size) break;
	}
	return total;
}
