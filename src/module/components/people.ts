// Names for the user ids the audit trail and the account pages show: one read of the host's
// users per batch of unknown ids (as the reader: people they may not read stay ids), cached for
// the app session.
import { reactive } from 'vue';
import type { Person } from '../types';

type Api = { get(url: string, config?: Record<string, unknown>): Promise<{ data: { data: unknown } }> };

const known = reactive(new Map<string, Person | null>());

/** Loads the people of `ids` not known yet. */
export async function learnPeople(api: Api, ids: readonly (string | null | undefined)[]): Promise<void> {
	const missing = [...new Set(ids.filter((id): id is string => typeof id === 'string' && !known.has(id)))];
	for (let i = 0; i < missing.length; i += 100) {
		const batch = missing.slice(i, i + 100);
		const rows = (await api
			.get('/users', { params: { filter: JSON.stringify({ id: { _in: batch } }), fields: 'id,email,first_name,last_name', limit: -1 } })
			.then((res) => res.data.data as Person[])
			.catch(() => [])) as Person[];
		for (const row of rows) known.set(row.id, row);
		for (const id of batch) if (!known.has(id)) known.set(id, null);
	}
}

/** Remembers people read elsewhere (a page of users). */
export function notePeople(people: readonly Person[]): void {
	for (const person of people) known.set(person.id, person);
}

/** The person of an id, if the reader may read them. */
export function personOf(id: string | null | undefined): Person | null {
	return id ? (known.get(id) ?? null) : null;
}
