// The outbox's settings: tries, backoff, polling, claim lease, sends in flight, the SMTP pool, and
// the subjects per template and language.
import { boolean, duration, integer, json, type Env, type SettingsOf } from '../shared/config.js';

/** Subjects by template name, then by language tag as written (`de`, `de-DE`). */
export type MailSubjects = Record<string, Record<string, string>>;

const LANGUAGE_TAG = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
/** A subject is one line the host's `subject` column (255) and a mail header can hold. */
const MAX_SUBJECT = 255;

/** `{ "user-invitation": { "de": "Sie wurden eingeladen", "de-DE": "..." } }`: template names, language tags, one-line subjects. */
export function parseMailSubjects(value: unknown): MailSubjects {
	const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
	if (!isObject(value)) throw new Error('expected a JSON object { "template": { "language": "subject" } }');
	const subjects: MailSubjects = {};
	for (const [template, byLanguage] of Object.entries(value)) {
		if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(template)) throw new Error(`"${template}" is not a mail template name`);
		if (!isObject(byLanguage)) throw new Error(`"${template}" must map language tags to subjects`);
		const languages: Record<string, string> = {};
		for (const [language, subject] of Object.entries(byLanguage)) {
			if (!LANGUAGE_TAG.test(language)) throw new Error(`"${language}" (in "${template}") is not a language tag such as "de" or "de-DE"`);
			if (typeof subject !== 'string' || subject.trim() === '' || subject.length > MAX_SUBJECT || /[\u0000-\u001f\u007f]/.test(subject)) {
				throw new Error(`the subject for "${template}" in "${language}" must be one line of 1 to ${MAX_SUBJECT} characters`);
			}
			// Matched case-insensitively, as language tags are.
			languages[language.toLowerCase()] = subject;
		}
		subjects[template] = languages;
	}
	return subjects;
}

export const OUTBOX_SETTINGS = {
	/** USER_LIFECYCLE_MAIL_SUBJECTS: subject per mail template and language (`{ template: { lang: subject } }`). */
	mailSubjects: json('USER_LIFECYCLE_MAIL_SUBJECTS', '{}', parseMailSubjects),
	outboxMaxAttempts: integer('USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS', '8', 1, 100),
	outboxBackoffMs: duration('USER_LIFECYCLE_OUTBOX_BACKOFF', '5s'),
	outboxPollMs: duration('USER_LIFECYCLE_OUTBOX_POLL_INTERVAL', '2s', 50),
	/** How long a claimed mail is its instance's alone: another takes it over only after this (a crashed instance's claims). */
	outboxClaimLeaseMs: duration('USER_LIFECYCLE_OUTBOX_CLAIM_LEASE', '2m', 5000),
	/** Outbox sends in flight at once (and SMTP connections in its pool). */
	outboxConcurrency: integer('USER_LIFECYCLE_OUTBOX_CONCURRENCY', '10', 1, 100),
	/** The outbox sends through a pooled copy of the host's plain SMTP transport. */
	outboxSmtpPool: boolean('USER_LIFECYCLE_OUTBOX_SMTP_POOL', 'true'),
	/** The host's EMAIL_TEMPLATES_PATH (a project's own templates, looked up before the host's). */
	mailTemplatesPath: (env: Env) => String(env['EMAIL_TEMPLATES_PATH'] ?? './templates'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof OUTBOX_SETTINGS> {}
}
