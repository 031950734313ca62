// What every page of the module shares: the host's API client, which pages the signed-in user may
// use (the host's own answer, GET /permissions/me), the words for the API's codes (statuses,
// events, paths, outcomes), an error as a sentence, and small pure helpers.
import { useApi } from '@directus/extensions-sdk';
import { computed, ref, type Ref } from 'vue';
import type { Text } from './i18n';

export * from './format';

export const BASE = '/user-lifecycle';

export type PageId = 'security' | 'invitations' | 'accounts' | 'audit' | 'outbox';

export interface PageLink {
	id: PageId;
	to: string;
	icon: string;
}

type Access = Record<string, Record<string, { access: 'none' | 'partial' | 'full' }>>;

const access: Ref<Access | null> = ref(null);
let loading: Promise<void> | null = null;

const PAGES: (PageLink & { needs: [string, string] | null })[] = [
	{ id: 'security', to: '/user-lifecycle/security', icon: 'shield_lock', needs: null },
	{ id: 'invitations', to: '/user-lifecycle/invitations', icon: 'forward_to_inbox', needs: ['directus_users', 'create'] },
	{ id: 'accounts', to: '/user-lifecycle/accounts', icon: 'manage_accounts', needs: ['directus_users', 'update'] },
	{ id: 'audit', to: '/user-lifecycle/audit', icon: 'history', needs: ['user_lifecycle_events', 'read'] },
	{ id: 'outbox', to: '/user-lifecycle/outbox', icon: 'outbox', needs: ['user_lifecycle_outbox', 'read'] },
];

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
	const allowed = (page: PageId) => {
		const needs = PAGES.find((p) => p.id === page)!.needs;
		return needs === null || may(...needs);
	};
	const pages = computed<PageLink[]>(() => PAGES.filter((page) => allowed(page.id)).map(({ needs: _needs, ...link }) => link));
	return { api, pages, may, allowed, loaded: computed(() => access.value !== null) };
}

type HostError = { response?: { status?: number; data?: { errors?: { message?: string; extensions?: { code?: string } }[] } }; message?: string };

/** The host's error code of a failed call (FORBIDDEN, INVALID_PAYLOAD, ...), if it gave one. */
export function errorCode(error: unknown): string | undefined {
	return (error as HostError)?.response?.data?.errors?.[0]?.extensions?.code;
}

/**
 * A failed call as a sentence in the reader's language: the host's own words for its codes
 * (FORBIDDEN, INVALID_OTP, ...); for a refused input, the API's reason, which names the problem.
 */
export function errorText(text: Text, error: unknown): string {
	const e = error as HostError;
	const first = e?.response?.data?.errors?.[0];
	const code = first?.extensions?.code;
	if (code && code !== 'INVALID_PAYLOAD' && code !== 'INVALID_QUERY' && text.te(`errors.${code}`)) return text.t(`errors.${code}`);
	if (first?.message) return first.message;
	if (e?.response) return text.t('unexpected_error');
	return e?.message ?? String(error);
}

/** A word for one of the API's codes, or the code itself when the module has no word for it. */
function word(text: Text, group: string, code: string | null | undefined): string {
	if (code === null || code === undefined || code === '') return '';
	const key = `${group}.${code}`;
	return text.te(key, 'en-US') ? text.t(key) : code;
}

export const statusWord = (text: Text, status: string | null | undefined) => word(text, 'status', status);
export const eventWord = (text: Text, event: string | null | undefined) => word(text, 'event', event);
export const pathWord = (text: Text, path: string | null | undefined) => word(text, 'path', path);
export const mailStatusWord = (text: Text, status: string | null | undefined) => word(text, 'mail_status', status);
export const mailKindWord = (text: Text, kind: string | null | undefined) => word(text, 'mail_kind', kind);
export const outcomeWord = (text: Text, outcome: string | null | undefined) => word(text, 'outcome', outcome);

/** The API's invitation reasons in the reader's language ("already active", "duplicate in this request", ...). */
export function inviteReason(text: Text, reason: string | undefined): string {
	if (!reason) return '';
	if (reason === 'duplicate in this request') return text.t('reason.duplicate');
	if (reason === 'not a valid email address') return text.t('reason.not_an_email');
	const already = /^already (.+)$/.exec(reason);
	if (already) return text.t('reason.already', { status: statusWord(text, already[1]).toLowerCase() });
	return reason;
}

/** A status change as words: "Active → Suspended"; '' for other events. */
export function changeWords(text: Text, event: { from: string | null; to: string | null }): string {
	if (!event.from && !event.to) return '';
	return `${statusWord(text, event.from) || '—'} → ${statusWord(text, event.to) || '—'}`;
}
