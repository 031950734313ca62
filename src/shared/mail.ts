// The mail port: what a capability hands the outbox (src/outbox/, the mail delivery capability).
// The runtime holds a MailQueue made by the entries, so capabilities queue mail without importing
// the outbox, and shared/ never imports a capability.
import type { Knex } from 'knex';

export interface MailRecipient {
	id: string;
	email: string;
	first_name?: string | null;
	last_name?: string | null;
	/** The user's own language (directus_users.language); the project's default_language when unset. */
	language?: string | null;
}

export interface MailInput {
	/** The outbox's kind (`invite`, `verify-email`, ...): what the mail is for. */
	kind: string;
	/** The host template (`user-invitation`, `user-registration`, `password-reset`) or a project's own. */
	template: string;
	to: MailRecipient;
	/** The link the mail carries (with its token). */
	url: string;
	/** When the link stops working (ms since the epoch, or a Date); null when it doesn't. */
	expiresAt: number | Date | null;
	/** More template data for this kind of mail (`inviter`, ...); never overrides the common fields. */
	extra?: Record<string, unknown>;
}

export interface MailQueue {
	/**
	 * Queues mails in the caller's transaction (subject and template data are built through it):
	 * they go out only if it commits. Call `kick()` after the commit.
	 */
	enqueue(trx: Knex, mails: MailInput[]): Promise<void>;
	/** Sends what is due now rather than at the next poll. */
	kick(): void;
	/** Starts polling for due mails (the hook, once the host's app is up). */
	start(): void;
}

/**
 * A mail template a capability ships for its own mails (the host has none of that name). A
 * project's file of the same name in EMAIL_TEMPLATES_PATH takes its place, as for the host's.
 */
export interface ShippedTemplate {
	/** Subjects by language tag (`en` at least), unless USER_LIFECYCLE_MAIL_SUBJECTS names one. */
	subjects: Readonly<Record<string, string>> & { en: string };
	/** The Liquid source (it may use the host's `base` layout). */
	liquid: string;
}

/** Shipped templates by name (`user-lifecycle-email-change`). */
export type ShippedTemplates = Readonly<Record<string, ShippedTemplate>>;
