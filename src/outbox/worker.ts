// Delivers the outbox through the host's MailService: claims due mails in batches, keeps a bounded
// number of sends in flight, marks the sent ones a group at a time, or schedules a retry with
// exponential backoff until the tries run out.
// It takes only what it needs (no runtime), so it is tested on its own with a SQLite file.
import type { Knex } from 'knex';
import { claimDueMails, enqueueMails, markFailed, markSentMany, releaseClaims, type ClaimedMail, type OutboxMail } from './store.js';

/** Mails claimed at once (one lease for all of them): small enough that instances share a burst. */
const BATCH = 50;
/** Sends in flight when the deps don't say (USER_LIFECYCLE_OUTBOX_CONCURRENCY). */
const DEFAULT_CONCURRENCY = 10;
/** Most sent mails marked in one statement. */
const MARK_GROUP = 250;
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
	timings: { maxAttempts: number; backoffMs: number; pollMs: number; claimLeaseMs: number };
	/** Told once a mail is given up for good (its failure recorded); must not throw. */
	onGiveUp?: (mail: { id: string; kind: string; to: string; attempts: number; error: string }) => void;
	/** Sends in flight at once (default 10). */
	concurrency?: number;
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
		// A poll that finds nothing due costs one indexed read: the mailer (the host's MailService
		// with a fresh schema) is made only once there is something to send.
		let mailer: Mailer | null = null;
		for (;;) {
			const batch = await claimDueMails(knex, key, BATCH, this.deps.timings.claimLeaseMs);
			if (batch.length === 0) return;
			try {
				mailer ??= await this.deps.mailer();
			} catch (error) {
				await releaseClaims(knex, batch).catch(() => undefined);
				throw error;
			}
			await this.sendBatch(mailer, batch);
		}
	}

	/**
	 * Sends one claimed batch with at most `concurrency` sends in flight. Sent mails are marked as
	 * a group: whatever went out while the previous mark ran goes in the next statement (one commit
	 * for many mails, and no sent mail waits longer than one mark). A crash before the mark leaves
	 * them to the lease: sent again, never lost.
	 */
	private async sendBatch(mailer: Mailer, batch: ClaimedMail[]): Promise<void> {
		const { knex } = this.deps;
		const untried = new Set(batch.map((mail) => mail.id));
		const sent: ClaimedMail[] = [];
		let marking: Promise<void> | null = null;
		const markSoon = (): Promise<void> => {
			marking ??= (async () => {
				while (sent.length > 0) {
					const group = sent.splice(0, MARK_GROUP);
					await this.markDelivered(group);
				}
			})().finally(() => {
				marking = null;
			});
			return marking;
		};
		let next = 0;
		const slot = async (): Promise<void> => {
			while (next < batch.length) {
				const mail = batch[next++]!;
				untried.delete(mail.id);
				if (await this.deliver(mailer, mail)) {
					sent.push(mail);
					void markSoon();
				}
			}
		};
		const slots = Math.max(1, Math.min(this.deps.concurrency ?? DEFAULT_CONCURRENCY, batch.length));
		try {
			const outcomes = await Promise.allSettled(Array.from({ length: slots }, () => slot()));
			const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
			if (failed) throw failed.reason;
		} finally {
			// Whatever happened, the mails that went out are marked; what was never tried goes back
			// at once rather than wait for the lease.
			while (sent.length > 0 || marking) await (marking ?? markSoon());
			if (untried.size > 0) await releaseClaims(knex, batch.filter((mail) => untried.has(mail.id))).catch(() => undefined);
		}
	}

	/** Sent: from here on these mails must never count as unsent. Retries the mark; never marks them failed. */
	private async markDelivered(mails: ClaimedMail[]): Promise<void> {
		const { knex, logger } = this.deps;
		for (let attempt = 1; ; attempt++) {
			try {
				await markSentMany(knex, mails);
				return;
			} catch (error) {
				if (attempt >= MARK_SENT_TRIES) {
					logger.error(`[user-lifecycle] ${mails.length} mails were sent but could not be marked sent: ${(error as Error).message}`);
					return;
				}
				await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
			}
		}
	}

	/** One try at one mail: true once the SMTP server took it; a failure is recorded here (retry or give up). */
	private async deliver(mailer: Mailer, mail: ClaimedMail): Promise<boolean> {
		const { knex, logger, timings } = this.deps;
		try {
			// One Message-ID per outbox row: should a resend ever happen, receivers can tell it is the same mail.
			await mailer.send({ to: mail.to, subject: mail.subject, template: mail.template, messageId: `<${mail.id}@user-lifecycle.directus>` });
			return true;
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
			return false;
		}
	}
}
