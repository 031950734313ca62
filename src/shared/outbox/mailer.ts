// The outbox's way to the host's MailService: one service per drain, the project's default
// template data read once per drain (the host would read directus_settings on every send), and,
// when the host sends over plain SMTP without a pool (one connection per mail), a pooled copy of
// the host's own SMTP settings so that a burst of mails reuses a few connections.
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Mailer } from './worker.js';

interface HostTransport {
	options?: Record<string, unknown>;
	transporter?: { name?: string };
	sendMail(mail: Record<string, unknown>): Promise<unknown>;
}

interface HostMailService {
	mailer: HostTransport;
	send(mail: Record<string, unknown>, options?: { defaultTemplateData?: Record<string, unknown> }): Promise<unknown>;
	getDefaultTemplateData?: () => Promise<Record<string, unknown>>;
}

export interface HostMailerOptions {
	knex: Knex;
	MailService: new (options: Record<string, unknown>) => unknown;
	getSchema: () => Promise<unknown>;
	logger: { warn(message: string): void };
	/** Pool the host's SMTP connections for the outbox (USER_LIFECYCLE_OUTBOX_SMTP_POOL). */
	pool: boolean;
	/** Connections in the pool: the outbox's sends in flight. */
	connections: number;
}

/** The outbox worker's `mailer` dependency, built on the host's MailService. */
export function hostMailer(options: HostMailerOptions): () => Promise<Mailer> {
	let pooled: Promise<HostTransport | null> | null = null;
	return async () => {
		const service = new options.MailService({ schema: await options.getSchema(), knex: options.knex }) as HostMailService;
		if (options.pool) {
			pooled ??= pooledCopy(service.mailer, options.connections).catch((error) => {
				options.logger.warn(`[user-lifecycle] outbox: no pooled SMTP transport (${(error as Error)?.message}); sending through the host's`);
				return null;
			});
			const transport = await pooled;
			if (transport) service.mailer = transport;
		}
		const defaultTemplateData = typeof service.getDefaultTemplateData === 'function' ? await service.getDefaultTemplateData() : undefined;
		return {
			send: (mail) => service.send(mail, defaultTemplateData ? { defaultTemplateData } : undefined),
		};
	};
}

/**
 * A pooled nodemailer transport with the host's SMTP settings, or null when the host's transport
 * isn't plain SMTP (already pooled, SES, sendmail, ...: those stay as they are).
 */
async function pooledCopy(host: HostTransport | undefined, connections: number): Promise<HostTransport | null> {
	if (!host || host.transporter?.name !== 'SMTP' || !host.options || host.options['pool']) return null;
	const nodemailer = await loadHostNodemailer();
	return nodemailer.createTransport({ ...host.options, pool: true, maxConnections: connections, maxMessages: 1000 });
}

/** The host's own nodemailer (the extension bundles none), resolved from the running host. */
async function loadHostNodemailer(): Promise<{ createTransport(options: Record<string, unknown>): HostTransport }> {
	const candidates = [process.argv[1], `${process.cwd()}/package.json`].filter((p): p is string => !!p);
	let lastError: unknown = null;
	for (const from of candidates) {
		try {
			const api = realpathSync(createRequire(realpathSync(from)).resolve('@directus/api/emitter'));
			const resolved = createRequire(api).resolve('nodemailer');
			const module = (await import(pathToFileURL(resolved).href)) as { default?: { createTransport?: unknown }; createTransport?: unknown };
			const found = typeof module.createTransport === 'function' ? module : module.default;
			if (found && typeof found.createTransport === 'function') return found as never;
		} catch (error) {
			lastError = error;
		}
	}
	throw lastError ?? new Error('nodemailer not found');
}
