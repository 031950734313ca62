// A stand-in for the shared `buildMail` (src/shared/mail.ts, written in parallel): the same
// signature, so the lead swaps the import. Template data as the SPEC lists it; the host's English
// subject.
import type { OutboxMail } from '../shared/outbox/store.js';
import type { Runtime } from '../shared/runtime.js';

export interface MailRecipient {
	id: string;
	email: string;
	first_name?: string | null;
	last_name?: string | null;
	language?: string | null;
}

export interface MailInput {
	/** The outbox's kind ('password-reset', ...). */
	kind: string;
	/** The host template ('password-reset', 'user-invitation', ...). */
	template: string;
	to: MailRecipient;
	url: string;
	/** When the link stops working (epoch ms), or null. */
	expiresAt: number | null;
	extra?: Record<string, unknown>;
}

/** The host's English subjects. */
const SUBJECTS: Record<string, string> = {
	'password-reset': 'Password Reset Request',
	'user-invitation': "You've been invited",
	'user-registration': 'Verify your email address',
};

export async function buildMail(rt: Pick<Runtime, 'knex'>, input: MailInput): Promise<OutboxMail> {
	const settings = ((await rt.knex('directus_settings').select('project_name', 'default_language').first()) ?? {}) as { project_name?: string | null; default_language?: string | null };
	return {
		kind: input.kind,
		to: input.to.email,
		subject: SUBJECTS[input.template] ?? input.template,
		template: {
			name: input.template,
			data: {
				...input.extra,
				url: input.url,
				email: input.to.email,
				first_name: input.to.first_name ?? null,
				last_name: input.to.last_name ?? null,
				language: input.to.language ?? settings.default_language ?? 'en-US',
				project_name: settings.project_name ?? 'Directus',
				expires_at: input.expiresAt === null ? null : new Date(input.expiresAt).toISOString(),
			},
		},
	};
}
