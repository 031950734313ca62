// One batching helper for every "per 500 rows" loop: statements stay under the databases'
// parameter limits (SQLite's compound-select cap, PostgreSQL's bind-parameter cap).
import type { Knex } from 'knex';

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

/**
 * One batch of a prune: at most `limit` rows of `table` that `where` picks, deleted by their `key`.
 * The delete asks `where` again, so a row that changed since it was read stays. How many went.
 */
export async function pruneRows(knex: Knex, table: string, key: string, where: (query: Knex.QueryBuilder) => Knex.QueryBuilder, limit: number): Promise<number> {
	const rows: Record<string, unknown>[] = await where(knex(table).select(key)).limit(limit);
	if (rows.length === 0) return 0;
	return where(knex(table).whereIn(key, rows.map((row) => row[key] as string))).delete();
}
