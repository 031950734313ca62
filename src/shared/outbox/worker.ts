// Delivers the outbox through the host's MailService: claims due mails, sends them a few at a
// time, marks each sent, or schedules a retry with exponential backoff until the tries run out.
// It takes only what it needs (no runtime), so it is tested on its own with a SQLite file.
import type { Knex } from 'knex';
import { claimDueMails, enqueueMails, markFailed, markSent, releaseClaims, type ClaimedMail, type OutboxMail } from './store.js';

const BATCH = 50;
const PARALLEL_SENDS = 10;
const CLAIM_LEASE_MS = 120_000;
const MAX_BACKOFF_MS = 3_600_000;
/** Tries at marking a delivered mail sent (a dropped connection heals in a moment). */
const MARK_SENT_TRIES = 8;

export interface Mailer {
	send(mail: { to: string; subject: string; template: OutboxMail['template']; messageId?: string }): Promise<unknown>;
}

export interface OutboxDeps {
	knex: Knex;
	/** Seals queued template data at rest. */
	key: Buffer;
	logger: { warn(message: string): void; error(message: string): void };
	/** A mailer for one drain (the host's MailService, made with a fresh schema). */
	mailer: () => Promise<Mailer>;
	/** Resolves once the outbox table exists. */
	ready?: Promise<unknown>;
	timings: { maxAttempts: number; backoffMs: number; pollMs: number };
	/** Told once a mail is given up for good (its failure recorded); must not throw. */
	onGiveUp?: (mail: { id: string; kind: string; to: string; attempts: number; error: string }) => void;
}

export class OutboxWorker {
	private timer: NodeJS.Timeout | null = null;
	private draining: Promise<void> | null = null;
	private again = false;

	constructor(private readonly deps: OutboxDeps) {}

	/** Queues mails in the caller's transaction: they go out only if it commits. Call `kick()` after the commit. */
	enqueue(trx: Knex, mails: OutboxMail[]): Promise<void> {
		return enqueueMails(trx, this.deps.key, mails);
	}

	/** Polls for due mails (retries, and mails queued by other instances). */
	start(): void {
		if (this.timer) return;
		this.timer = setInterval(() => this.kick(), this.deps.timings.pollMs);
		this.timer.unref();
		this.kick();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	/** Asks for a drain now (after a commit that queued mail); never runs two drains at once. */
	kick(): void {
		if (this.draining) {
			this.again = true;
			return;
		}
		this.draining = this.drain()
			.catch((error) => this.deps.logger.error(`[user-lifecycle] outbox drain failed: ${(error as Error).message}`))
			.finally(() => {
				this.draining = null;
				if (this.again) {
					this.again = false;
					this.kick();
				}
			});
	}

	/** Resolves when the current drain (if any) is over: for tests and shutdown. */
	async idle(): Promise<void> {
		while (this.draining) await this.draining;
	}

	private async drain(): Promise<void> {
		await this.deps.ready;
		const { knex, key } = this.deps;
		const mailer = await this.deps.mailer();
		for (;;) {
			const batch = await claimDueMails(knex, key, BATCH, CLAIM_LEASE_MS);
			if (batch.length === 0) return;
			const untried = new Set(batch.map((mail) => mail.id));
			try {
				for (let i = 0; i < batch.length; i += PARALLEL_SENDS) {
					const slice = batch.slice(i, i + PARALLEL_SENDS);
					for (const mail of slice) untried.delete(mail.id);
					await Promise.all(slice.map((mail) => this.deliver(mailer, mail)));
				}
			} finally {
				// A drain that stops halfway gives back what it never tried, rather than hold it for a lease.
				if (untried.size > 0) await releaseClaims(knex, batch.filter((mail) => untried.has(mail.id))).catch(() => undefined);
			}
		}
	}

	private async deliver(mailer: Mailer, mail: ClaimedMail): Promise<void> {
		const { knex, logger, timings } = this.deps;
		try {
			// One Message-ID per outbox row: should a resend ever happen, receivers can tell it is the same mail.
			await mailer.send({ to: mail.to, subject: mail.subject, template: mail.template, messageId: `<${mail.id}@user-lifecycle.directus>` });
		} catch (error) {
			const message = (error as Error)?.message ?? String(error);
			const exhausted = mail.attempts >= timings.maxAttempts;
			const retryAt = exhausted ? null : Date.now() + Math.min(timings.backoffMs * 2 ** (mail.attempts - 1), MAX_BACKOFF_MS);
			logger.warn(`[user-lifecycle] mail ${mail.id} (${mail.kind}) try ${mail.attempts} failed: ${message}${exhausted ? '; giving up' : ''}`);
			// Should this mark fail too, the claim's lease gives the mail back for another try.
			// Told once: only by the worker whose claim still held when the failure was recorded.
			const marked = await markFailed(knex, mail.id, message, retryAt, mail.claim).then(
				(rows) => rows > 0,
				(markError) => {
					logger.error(`[user-lifecycle] mail ${mail.id}: could not record the failed try: ${(markError as Error).message}`);
					return false;
				},
			);
			if (exhausted && marked) this.deps.onGiveUp?.({ id: mail.id, kind: mail.kind, to: mail.to, attempts: mail.attempts, error: message });
			return;
		}
		// Sent: from here on the mail must never count as unsent. Retry the mark; never mark it failed.
		for (let attempt = 1; ; attempt++) {
			try {
				await markSent(knex, mail.id, mail.claim);
				return;
			} catch (error) {
				if (attempt >= MARK_SENT_TRIES) {
					logger.error(`[user-lifecycle] mail ${mail.id} was sent but could not be marked sent: ${(error as Error).message}`);
					return;
				}
				await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
			}
		}
	}
}
