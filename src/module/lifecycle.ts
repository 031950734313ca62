// What every page of the module shares: the host's API client, the error text of a failed call,
// and which pages the signed-in user may use (the host's own answer, GET /permissions/me).
import { useApi } from '@directus/extensions-sdk';
import { computed, ref, type Ref } from 'vue';

export const BASE = '/user-lifecycle';

export interface PageLink {
	to: string;
	name: string;
	icon: string;
}

/** The host's error message (its `{ errors: [{ message }] }` format), else the client's. */
export function errorText(error: unknown): string {
	const e = error as { response?: { data?: { errors?: { message?: string }[] } }; message?: string };
	return e?.response?.data?.errors?.[0]?.message ?? e?.message ?? String(error);
}

type Access = Record<string, Record<string, { access: 'none' | 'partial' | 'full' }>>;

const access: Ref<Access | null> = ref(null);
let loading: Promise<void> | null = null;

/** The signed-in user's collection access, loaded once per app session. */
export function usePermissions() {
	const api = useApi();
	if (!loading) {
		loading = api
			.get('/permissions/me')
			.then((res) => void (access.value = res.data.data as Access))
			.catch(() => void (access.value = {}));
	}
	const may = (collection: string, action: string) => {
		const level = access.value?.[collection]?.[action]?.access;
		return level !== undefined && level !== 'none';
	};
	const pages = computed<PageLink[]>(() => [
		{ to: '/user-lifecycle/security', name: 'Security', icon: 'shield_lock' },
		...(may('directus_users', 'create') ? [{ to: '/user-lifecycle/invitations', name: 'Invitations', icon: 'forward_to_inbox' }] : []),
		...(may('directus_users', 'update') ? [{ to: '/user-lifecycle/accounts', name: 'Accounts', icon: 'manage_accounts' }] : []),
		...(may('user_lifecycle_events', 'read') ? [{ to: '/user-lifecycle/audit', name: 'Audit trail', icon: 'history' }] : []),
		...(may('user_lifecycle_outbox', 'read') ? [{ to: '/user-lifecycle/outbox', name: 'Outbox', icon: 'outbox' }] : []),
	]);
	return { api, pages, may, loaded: computed(() => access.value !== null) };
}

/** A date-time as the reader's locale shows it ('' for none). */
export function when(value: string | number | null | undefined): string {
	if (value === null || value === undefined || value === '') return '';
	const date = new Date(value);
	return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}
