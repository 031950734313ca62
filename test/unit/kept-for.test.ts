import { describe, expect, it, vi } from 'vitest';
import { KeptFor } from '../../src/shared/util/kept-for.js';

const deferred = <T>() => {
	let resolve!: (value: T) => void;
	const promise = new Promise<T>((r) => (resolve = r));
	return { promise, resolve };
};

describe('KeptFor', () => {
	it('shares one read among concurrent callers and keeps its value for the TTL', async () => {
		const kept = new KeptFor<number>(60_000);
		const gate = deferred<number>();
		const read = vi.fn(() => gate.promise);
		const both = Promise.all([kept.get(read), kept.get(read)]);
		gate.resolve(7);
		expect(await both).toEqual([7, 7]);
		expect(await kept.get(read)).toBe(7);
		expect(read).toHaveBeenCalledTimes(1);
	});

	it('keeps nothing from a read that started before forget, and does not keep a failure', async () => {
		const kept = new KeptFor<string>(60_000);
		const early = deferred<string>();
		const before = kept.get(() => early.promise);
		kept.forget();
		const after = kept.get(async () => 'new');
		early.resolve('old');
		expect(await before).toBe('old');
		expect(await after).toBe('new');
		expect(await kept.get(async () => 'unused')).toBe('new');

		kept.forget();
		await expect(kept.get(async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
		expect(await kept.get(async () => 'again')).toBe('again');
	});
});
