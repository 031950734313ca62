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
	/** The host template (`user-invitation`, `user-registration`, `password-reset`), a capability's own (MailTemplate) or a project's own. */
	template: string;
	to: MailRecipient;
	/** The link the mail carries (with its token). */
	url: string;
	/** When the link stops working (ms since the epoch, or a Date); null when it doesn't. */
	expiresAt: number | Date | null;
	/** More template data for this kind of mail (`inviter`, ...); never overrides the common fields. */
	extra?: Record<string, unknown>;
}

/**
 * A mail template a capability ships (the host has none by its name): Liquid, rendered by the
 * outbox with the host's engine and layouts (`{% layout "base" %}`); a project's own file of the
 * same name in EMAIL_TEMPLATES_PATH is used instead.
 */
export interface MailTemplate {
	name: string;
	/** The Liquid source. */
	source: string;
	/** Its subjects by language tag (`en` for everyone else); USER_LIFECYCLE_MAIL_SUBJECTS comes first. */
	subjects: Readonly<Record<string, string>>;
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
