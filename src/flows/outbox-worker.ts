// Delivers the outbox through the host's MailService: claims due mails, sends them a few at a
// time, marks each sent, or schedules a retry with exponential backoff until the tries run out.
import type { Runtime } from '../runtime.js';
import { claimDueMails, markFailed, markSent, type ClaimedMail } from '../store/outbox.js';

const BATCH = 50;
const PARALLEL_SENDS = 10;
const CLAIM_LEASE_MS = 120_000;
const MAX_BACKOFF_MS = 3_600_000;

export class OutboxWorker {
	private timer: NodeJS.Timeout | null = null;
	private draining: Promise<void> | null = null;
	private again = false;

	constructor(private readonly rt: Runtime) {}

	/** Polls for due mails (retries, and mails queued by other instances). */
	start(): void {
		if (this.timer) return;
		this.timer = setInterval(() => this.kick(), this.rt.config.outboxPollMs);
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
			.catch((error) => this.rt.logger.error(`[user-lifecycle] outbox drain failed: ${(error as Error).message}`))
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
		await this.rt.ready;
		const { knex } = this.rt;
		const schema = await this.rt.getSchema();
		const mailer = new this.rt.services.MailService({ schema, knex });
		for (;;) {
			const batch = await claimDueMails(knex, this.rt.outboxKey, BATCH, CLAIM_LEASE_MS);
			if (batch.length === 0) return;
			for (let i = 0; i < batch.length; i += PARALLEL_SENDS) {
				await Promise.all(batch.slice(i, i + PARALLEL_SENDS).map((mail) => this.deliver(mailer, mail)));
			}
		}
	}

	private async deliver(mailer: { send: (data: any) => Promise<unknown> }, mail: ClaimedMail): Promise<void> {
		const { knex, config, logger } = this.rt;
		try {
			await mailer.send({ to: mail.to, subject: mail.subject, template: mail.template });
			await markSent(knex, mail.id, mail.claim);
		} catch (error) {
			const message = (error as Error)?.message ?? String(error);
			const exhausted = mail.attempts >= config.outboxMaxAttempts;
			const retryAt = exhausted ? null : Date.now() + Math.min(config.outboxBackoffMs * 2 ** (mail.attempts - 1), MAX_BACKOFF_MS);
			await markFailed(knex, mail.id, message, retryAt, mail.claim);
			logger.warn(`[user-lifecycle] mail ${mail.id} (${mail.kind}) try ${mail.attempts} failed: ${message}${exhausted ? '; giving up' : ''}`);
		}
	}
}
