// The outbox's way to the host's MailService: one service per drain, the project's default
// template data read once per drain (the host would read directus_settings on every send), the
// templates parsed once per drain (the host looks each file up and parses it on every send), and,
// when the host sends over plain SMTP without a pool (one connection per mail), a pooled copy of
// the host's own SMTP settings so that a burst of mails reuses a few connections.
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { importFromHost } from '../shared/host-modules.js';
import type { Mailer } from './worker.js';

interface HostTransport {
	options?: Record<string, unknown>;
	transporter?: { name?: string };
	sendMail(mail: Record<string, unknown>): Promise<unknown>;
}

interface HostMailService {
	mailer: HostTransport;
	renderTemplate?: (template: string, variables: Record<string, unknown>) => Promise<string>;
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
	/** The host's EMAIL_TEMPLATES_PATH (a project's own templates, looked up before the host's). */
	templatesPath: string;
	/** The capabilities' own templates (name to Liquid source), for names the host has no file of. */
	ownTemplates?: ReadonlyMap<string, string>;
}

/** The outbox worker's `mailer` dependency, built on the host's MailService. */
export function hostMailer(options: HostMailerOptions): () => Promise<Mailer> {
	let pooled: Promise<HostTransport | null> | null = null;
	let liquid: Promise<LiquidFactory | null> | null = null;
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
		// The same lookup as the host's (the project's folder first, then the host's own templates,
		// layouts alike), with each template parsed once for this drain: edits show in the next.
		if (typeof service.renderTemplate === 'function') {
			liquid ??= hostLiquid(options.templatesPath).catch((error) => {
				options.logger.warn(`[user-lifecycle] outbox: templates are rendered by the host on every send (${(error as Error)?.message})`);
				return null;
			});
			const makeEngine = await liquid;
			if (makeEngine) {
				const templates = makeEngine();
				const own = ownTemplateRenderer(templates, options.templatesPath, options.ownTemplates ?? new Map());
				service.renderTemplate = (template, variables) => own(template, variables) ?? templates.renderFile(template, variables);
			}
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
	const options: Record<string, unknown> = { ...host.options, pool: true, maxConnections: connections, maxMessages: 1000 };
	// A proxy or a socket of the project's own stays as configured.
	if (!options['proxy'] && !options['getSocket'] && !options['connection']) options['getSocket'] = noDelaySocket;
	return nodemailer.createTransport(options);
}

/**
 * The pool's sockets with Nagle's algorithm off. nodemailer writes a message in several small
 * pieces; with Nagle on, the last one waits for the server's delayed ACK (about 40 ms on Linux)
 * on every mail, which made one connection deliver some 20 mails a second. TLS (implicit or
 * STARTTLS) is set up by nodemailer over this socket as over its own.
 */
function noDelaySocket(options: Record<string, unknown>, callback: (error: Error | null, socket?: { connection: Socket }) => void): void {
	const port = Number(options['port']) || (options['secure'] ? 465 : 587);
	const host = typeof options['host'] === 'string' ? options['host'] : 'localhost';
	const localAddress = typeof options['localAddress'] === 'string' ? options['localAddress'] : undefined;
	const socket = connect({ host, port, localAddress, noDelay: true });
	const timeout = Number(options['connectionTimeout']) || 120_000;
	socket.setTimeout(timeout, () => socket.destroy(new Error(`Connection timeout (${timeout} ms)`)));
	const failed = (error: Error) => callback(error);
	socket.once('error', failed);
	socket.once('connect', () => {
		socket.setTimeout(0);
		socket.off('error', failed);
		// nodemailer listens from here on; an error after it let go must not take the process down.
		socket.on('error', () => undefined);
		callback(null, { connection: socket });
	});
}

interface TemplateEngine {
	renderFile(template: string, variables: Record<string, unknown>): Promise<string>;
	parse(source: string): unknown;
	render(parsed: unknown, variables: Record<string, unknown>): Promise<string>;
}

/**
 * Renders a capability's own template (parsed once per drain, like the files) unless the project
 * has a file of that name in its templates folder; undefined for every other template.
 */
function ownTemplateRenderer(engine: TemplateEngine, templatesPath: string, sources: ReadonlyMap<string, string>) {
	const parsed = new Map<string, unknown>();
	const projectHas = new Map<string, boolean>();
	return (template: string, variables: Record<string, unknown>): Promise<string> | undefined => {
		const source = sources.get(template);
		if (source === undefined) return undefined;
		if (!projectHas.has(template)) projectHas.set(template, existsSync(join(resolve(templatesPath), `${template}.liquid`)));
		if (projectHas.get(template)) return undefined;
		if (!parsed.has(template)) parsed.set(template, engine.parse(source));
		return engine.render(parsed.get(template), variables);
	};
}

/** Makes a Liquid engine for one drain: it caches what it parsed. */
type LiquidFactory = () => TemplateEngine;

/** The host's liquidjs (found once) over the host's two template folders. */
async function hostLiquid(templatesPath: string): Promise<LiquidFactory> {
	const { module, api } = await loadFromHost<{ Liquid?: unknown }>('liquidjs', (m) => typeof m.Liquid === 'function');
	const Liquid = module.Liquid as new (options: Record<string, unknown>) => TemplateEngine;
	// The host's MailService lives at dist/services/mail/index.js, beside its templates folder.
	const root = [resolve(templatesPath), join(dirname(api), 'services', 'mail', 'templates')];
	return () => new Liquid({ root, extname: '.liquid', cache: true });
}

/** The host's own nodemailer (the extension bundles none), resolved from the running host. */
async function loadHostNodemailer(): Promise<{ createTransport(options: Record<string, unknown>): HostTransport }> {
	return (await loadFromHost<{ createTransport?: unknown }>('nodemailer', (m) => typeof m.createTransport === 'function')).module as never;
}

/** A package as the running host resolves it (the very module its own code uses), and the host's dist/emitter.js path. */
function loadFromHost<T extends object>(name: string, fits: (module: T) => boolean): Promise<{ module: T; api: string }> {
	return importFromHost<T>('emitter', fits, name);
}
