// Every mail the extension queues is built here: the same template data for every mail (so a
// project's own Liquid templates in EMAIL_TEMPLATES_PATH can greet people by name, in their
// language, and say until when a link works), and a subject in the recipient's language from
// USER_LIFECYCLE_MAIL_SUBJECTS, else the capability's own for its own template, else the host's
// English one.
import type { Knex } from 'knex';
import type { MailInput } from '../shared/mail.js';
import type { MailSubjects } from './settings.js';
import type { OutboxMail } from './store.js';
import { escapeHtml } from '../shared/util/html.js';

/** The host's own subjects for its templates (api/dist/services/users.js), the fallback. */
export const HOST_SUBJECTS: Readonly<Record<string, string>> = {
	'user-invitation': "You've been invited",
	'user-registration': 'Verify your email address',
	'password-reset': 'Password Reset Request',
};

/** What building a mail takes: the pool (for a settings read outside a transaction) and the subjects. */
export interface MailBuilderDeps {
	knex: Knex;
	logger: { warn(message: string): void };
	subjects: MailSubjects;
	/** The subjects of the capabilities' own templates (MailTemplate), by template and language tag. */
	ownSubjects?: MailSubjects;
}

interface MailSettings {
	project_name: string;
	default_language: string | null;
}

/** Settings change rarely; a mail may carry a project name up to this old. */
const SETTINGS_TTL_MS = 10_000;
let cachedSettings: { at: number; value: MailSettings } | null = null;
let refreshing: Promise<unknown> | null = null;

async function loadSettings(knex: Knex): Promise<MailSettings> {
	const row = (await knex('directus_settings').select('project_name', 'default_language').first()) as Partial<MailSettings> | undefined;
	const value = { project_name: row?.project_name || 'Directus', default_language: row?.default_language || null };
	cachedSettings = { at: Date.now(), value };
	return value;
}

/**
 * The settings mails need. A caller inside a transaction passes it (`knex`): a stale cache is read
 * again through it. Without one, a stale cache answers at once and is refreshed behind (a read on
 * the pool could wait forever for the connection the caller's own transaction holds on SQLite).
 */
async function mailSettings(deps: Pick<MailBuilderDeps, 'knex' | 'logger'>, knex?: Knex): Promise<MailSettings> {
	if (cachedSettings && Date.now() - cachedSettings.at < SETTINGS_TTL_MS) return cachedSettings.value;
	if (knex) return loadSettings(knex);
	if (cachedSettings) {
		refreshing ??= loadSettings(deps.knex)
			.catch((error) => deps.logger.warn(`[user-lifecycle] could not read the settings for mails: ${(error as Error)?.message}`))
			.finally(() => (refreshing = null));
		return cachedSettings.value;
	}
	return loadSettings(deps.knex);
}

/** Reads the settings once at start-up, so that later mails built without a transaction never wait on the pool. */
export async function warmMailSettings(deps: Pick<MailBuilderDeps, 'knex' | 'logger'>): Promise<void> {
	await mailSettings(deps).catch((error) => deps.logger.warn(`[user-lifecycle] could not read the settings for mails: ${(error as Error)?.message}`));
}

/** Forgets the cached settings (tests, and a caller that just changed them). */
export function forgetMailSettings(): void {
	cachedSettings = null;
}

/**
 * The mail as the outbox stores it. `trx` is the transaction it is queued in, to read the settings
 * through: on SQLite the host's pool holds one connection, which that transaction already has.
 */
export async function buildMail(deps: MailBuilderDeps, input: MailInput, trx?: Knex): Promise<OutboxMail> {
	const settings = await mailSettings(deps, trx);
	const language = input.to.language || settings.default_language || null;
	const expires = input.expiresAt === null ? null : new Date(input.expiresAt);
	return {
		kind: input.kind,
		to: input.to.email,
		subject: pickSubject(deps.subjects, input.template, language, deps.ownSubjects),
		template: {
			name: input.template,
			data: escapeStrings({
				...input.extra,
				url: input.url,
				email: input.to.email,
				first_name: input.to.first_name ?? null,
				last_name: input.to.last_name ?? null,
				language,
				project_name: settings.project_name,
				expires_at: expires && !Number.isNaN(expires.getTime()) ? expires.toISOString() : null,
			}),
		},
	};
}

/**
 * Every string of the template data HTML-escaped: names, extra fields, the link (a `reset_url` is
 * the caller's) are typed by people, and the host's Liquid prints `{{ first_name }}` as is, so a
 * project's template that never thought of escaping still prints text, not markup.
 */
export function escapeStrings(data: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? escapeHtml(value) : value]));
}

/**
 * The configured subject for `template` in `language` (exact tag first, then its primary subtag:
 * `de` for `de-DE`); else, for a capability's own template, its subject in that language or in
 * English; else the host's English subject.
 */
export function pickSubject(subjects: MailSubjects, template: string, language: string | null, own: MailSubjects = {}): string {
	return inLanguage(subjects[template], language) ?? inLanguage(own[template], language) ?? own[template]?.['en'] ?? HOST_SUBJECTS[template] ?? 'Message from your project';
}

function inLanguage(byLanguage: Record<string, string> | undefined, language: string | null): string | undefined {
	if (!byLanguage || !language) return undefined;
	const tag = language.toLowerCase().replace(/_/g, '-');
	return byLanguage[tag] ?? byLanguage[tag.split('-')[0]!];
}
