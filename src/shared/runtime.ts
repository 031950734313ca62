// One runtime per host process, shared by the endpoint and the hook of this bundle: config,
// the host's knex and services, the start-up migrations, keys derived from SECRET, and the mail
// outbox worker. Requests and hooks wait for `ready` where they enter (see the entry files).
import type { ApiExtensionContext } from '@directus/types';
import type { Knex } from 'knex';
import { AUDIT_MIGRATIONS } from './audit.js';
import { loadConfig, type Config, type SettingsSlice } from './config.js';
import { configurePreparedStatements } from './util/prepared.js';
import { extensionTables, keepOutOfHostSchema, migrate, type Migration } from './migrations.js';
import { OUTBOX_MIGRATIONS } from './outbox/store.js';
import { OutboxWorker } from './outbox/worker.js';
import { hostMailer } from './outbox/mailer.js';
import { RATE_LIMIT_MIGRATIONS } from './rate-limit.js';
import { LEASE_MIGRATIONS } from './leases.js';
import { PENDING_FLOW_MIGRATIONS } from './pending-flows.js';
import { ensureStudioCollections, STUDIO_COLLECTIONS } from './studio-collections.js';
import { TOKEN_MIGRATIONS } from './link-tokens.js';
import { deriveKey } from './util/crypto.js';
import { LifecycleEvents } from './events.js';
import { findUserByEmail } from './users.js';

export type HostContext = ApiExtensionContext & { emitter?: unknown };

export interface Runtime {
	config: Config;
	knex: Knex;
	services: HostContext['services'];
	logger: HostContext['logger'];
	getSchema: HostContext['getSchema'];
	/** Resolves once the extension's tables exist. */
	ready: Promise<void>;
	/**
	 * A key derived from the host's SECRET for one purpose, named by the capability that uses it
	 * (`tokens` signs link JWTs the host never takes for its own; `recovery-codes` keys their hashes).
	 */
	key(purpose: string): Buffer;
	outbox: OutboxWorker;
	/** `user-lifecycle.*` action events for other extensions and Flows (emit after commit). */
	events: LifecycleEvents;
}

export const SHARED_MIGRATIONS: Migration[] = [...TOKEN_MIGRATIONS, ...OUTBOX_MIGRATIONS, ...RATE_LIMIT_MIGRATIONS, ...AUDIT_MIGRATIONS, ...LEASE_MIGRATIONS, ...PENDING_FLOW_MIGRATIONS];

let current: Runtime | null = null;

/** The process's runtime; the first entry to call it (endpoint or hook) creates it with the capabilities' migrations and settings. */
export function getRuntime(context: HostContext, { migrations, settings }: { migrations: readonly Migration[]; settings: readonly SettingsSlice[] }): Runtime {
	if (current) return current;
	const config = loadConfig(context.env, settings); // throws a ConfigError naming the variable
	const knex = context.database as unknown as Knex;
	configurePreparedStatements({
		named: config.preparedStatements,
		lost: () =>
			context.logger.warn(
				'[user-lifecycle] a prepared statement was lost between the server connections (a pooler such as PgBouncer in transaction mode): named statements are off for this process; set USER_LIFECYCLE_DB_PREPARED_STATEMENTS=false',
			),
	});
	let secret = config.secret;
	if (!secret) {
		context.logger.warn('[user-lifecycle] SECRET is not set: tokens will not survive a restart nor work across instances');
		secret = deriveKey(String(Math.random()) + Date.now(), 'ephemeral').toString('hex');
	}
	const all = [...SHARED_MIGRATIONS, ...migrations];
	// Before the host builds its schema (the hook refreshes it once the tables exist): only the
	// tables the Data Studio shows stay in it.
	const shown = new Set(STUDIO_COLLECTIONS.map((meta) => meta.collection));
	keepOutOfHostSchema(context.env as Record<string, unknown>, extensionTables(all).filter((table) => !shown.has(table)));
	const ready = migrate(knex, all).then(() => ensureStudioCollections(knex));
	ready.catch((error) => context.logger.error(error, '[user-lifecycle] could not create the extension tables'));
	const outbox = new OutboxWorker({
		knex,
		key: deriveKey(secret, 'outbox'),
		logger: context.logger,
		mailer: hostMailer({
			knex,
			MailService: context.services.MailService as never,
			getSchema: context.getSchema,
			logger: context.logger,
			pool: config.outboxSmtpPool,
			connections: config.outboxConcurrency,
			templatesPath: String(context.env['EMAIL_TEMPLATES_PATH'] ?? './templates'),
		}),
		ready,
		timings: { maxAttempts: config.outboxMaxAttempts, backoffMs: config.outboxBackoffMs, pollMs: config.outboxPollMs, claimLeaseMs: config.outboxClaimLeaseMs },
		onGiveUp: (mail) => void mailFailed(knex, events, mail),
		concurrency: config.outboxConcurrency,
	});
	const events = new LifecycleEvents(context.emitter as never, context.logger);
	const keys = new Map<string, Buffer>();
	current = {
		config,
		knex,
		services: context.services,
		logger: context.logger,
		getSchema: context.getSchema,
		ready,
		key: (purpose) => keys.get(purpose) ?? keys.set(purpose, deriveKey(secret!, purpose)).get(purpose)!,
		outbox,
		events,
	};
	return current;
}

/** `mail-failed` for a mail the outbox gave up on, about the user it was addressed to (when there is one). */
async function mailFailed(knex: Knex, events: LifecycleEvents, mail: { id: string; kind: string; to: string; attempts: number; error: string }): Promise<void> {
	const user = await findUserByEmail(knex, mail.to).catch(() => undefined);
	events.emit('mail-failed', { user: user?.id ?? null, actor: null, via: 'outbox', mail: mail.id, kind: mail.kind, to: mail.to, attempts: mail.attempts, error: mail.error });
}

/**
 * Drops the host's schema cache (on every instance): the host may have read its schema before our
 * tables existed (its flows and licence start first), and /items and the Data Studio must see them.
 */
export async function refreshHostSchema(rt: Runtime): Promise<void> {
	const { UtilsService } = rt.services as unknown as { UtilsService: new (options: Record<string, unknown>) => { clearCache(options: { system: boolean }): Promise<unknown> } };
	const system = { admin: true, app: false, user: null, role: null, roles: [], ip: null };
	await new UtilsService({ accountability: system, knex: rt.knex }).clearCache({ system: true });
}
