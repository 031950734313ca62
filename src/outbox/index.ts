// The mail delivery capability: the durable outbox (store, worker, the host's mailer), the mails
// built from what other capabilities queue through the runtime's MailQueue, and mail
// administration — the failed mails with their error, and "send again" through the capability
// that queued the mail (each declares its `mailRetry`), so a resend gets a fresh link.
import type { Capability, MailRetry } from '../shared/capability.js';
import type { MailQueue, MailTemplate } from '../shared/mail.js';
import type { Runtime } from '../shared/runtime.js';
import { findUserByEmail } from '../shared/users.js';
import { buildMail, forgetMailSettings, warmMailSettings } from './mail.js';
import { hostMailer } from './mailer.js';
import { mailAdminRoutes } from './routes.js';
import { OUTBOX_SETTINGS } from './settings.js';
import { OUTBOX_MIGRATIONS, OUTBOX_TABLE } from './store.js';
import { OutboxWorker } from './worker.js';

// The `user-lifecycle.<step>` event this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'mail-failed': true;
	}
}

export function outbox(retries: ReadonlyMap<string, MailRetry>): Capability {
	return {
		name: 'outbox',
		settings: OUTBOX_SETTINGS,
		routes: mailAdminRoutes(retries),
		hooks: (register, rt) => {
			register.init('app.after', () => {
				rt.outbox.start();
				void rt.ready.then(() => warmMailSettings(rt), () => undefined);
			});
			// A project renamed here shows in the next mail (other instances within the cache's seconds).
			register.action('settings.update', () => forgetMailSettings());
		},
		migrations: OUTBOX_MIGRATIONS,
		studioCollections: [{ collection: OUTBOX_TABLE, icon: 'outbox', note: 'User lifecycle mail outbox: queued, sent and failed mails (read-only)' }],
	};
}

/**
 * The runtime's MailQueue: made once per runtime by the entries (getRuntime), never by a
 * capability. `templates`: the capabilities' own mail templates.
 */
export function createOutbox(rt: Omit<Runtime, 'outbox' | 'passwords' | 'otps'>, templates: readonly MailTemplate[] = []): MailQueue {
	const { knex, logger, config } = rt;
	const worker = new OutboxWorker({
		knex,
		key: rt.key('outbox'),
		logger,
		mailer: hostMailer({
			knex,
			MailService: rt.services.MailService as never,
			getSchema: rt.getSchema,
			logger,
			pool: config.outboxSmtpPool,
			connections: config.outboxConcurrency,
			templatesPath: config.mailTemplatesPath,
			ownTemplates: new Map(templates.map((template) => [template.name, template.source])),
		}),
		ready: rt.ready,
		timings: { maxAttempts: config.outboxMaxAttempts, backoffMs: config.outboxBackoffMs, pollMs: config.outboxPollMs, claimLeaseMs: config.outboxClaimLeaseMs },
		onGiveUp: (mail) => void mailFailed(rt, mail),
		concurrency: config.outboxConcurrency,
	});
	const ownSubjects = Object.fromEntries(templates.map((template) => [template.name, { ...template.subjects }]));
	const builder = { knex, logger, subjects: config.mailSubjects, ownSubjects };
	return {
		enqueue: async (trx, mails) => {
			const built = [];
			for (const mail of mails) built.push(await buildMail(builder, mail, trx));
			await worker.enqueue(trx, built);
		},
		kick: () => worker.kick(),
		start: () => worker.start(),
	};
}

/** `mail-failed` for a mail the outbox gave up on, about the user it was addressed to (when there is one). */
async function mailFailed(rt: Pick<Runtime, 'knex' | 'events'>, mail: { id: string; kind: string; to: string; attempts: number; error: string }): Promise<void> {
	const user = await findUserByEmail(rt.knex, mail.to).catch(() => undefined);
	rt.events.emit('mail-failed', { user: user?.id ?? null, actor: null, via: 'outbox', mail: mail.id, kind: mail.kind, to: mail.to, attempts: mail.attempts, error: mail.error });
}
