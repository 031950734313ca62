// A list the API answers a page at a time (accounts, the audit trail, the outbox): the rows of the
// page, how many match, and whether it is loading or failed. A read that a later one overtook
// (the reader typed on, or turned the page) changes nothing.
import { ref, type Ref } from 'vue';
import type { Text } from './i18n';
import { errorText } from './lifecycle';

export interface PagedListOptions<T> {
	perPage: number;
	/** One page of rows (1 is the first) and how many rows match in all. */
	read: (page: number) => Promise<{ rows: T[]; total: number }>;
	/** What a page needs once it is in, before the list stops loading (the states of its rows). */
	shown?: (rows: T[]) => Promise<void> | void;
	/** A failed read empties the list, for a page whose count stands for what it would export. */
	emptyOnError?: boolean;
}

export function usePagedList<T>(text: Text, options: PagedListOptions<T>) {
	const rows = ref([]) as Ref<T[]>;
	const total = ref(0);
	const page = ref(1);
	const loading = ref(false);
	const error = ref('');
	let asked = 0;

	/** Reads a page again (this one by default). */
	async function load(toPage = page.value) {
		const mine = ++asked;
		page.value = toPage;
		loading.value = true;
		error.value = '';
		try {
			const answer = await options.read(toPage);
			if (mine !== asked) return; // a later read answered first
			rows.value = answer.rows;
			total.value = answer.total;
			await options.shown?.(answer.rows);
		} catch (e) {
			if (mine !== asked) return;
			error.value = errorText(text, e);
			if (options.emptyOnError) {
				rows.value = [];
				total.value = 0;
			}
		} finally {
			if (mine === asked) loading.value = false;
		}
	}

	return { rows, total, page, loading, error, load };
}
