// One runtime per host process, shared by the endpoint and the hook of this bundle: config,
// the host's knex and services, the start-up schema work, and the mail outbox worker.
import type { ApiExtensionContext } from '@directus/types';
import type { Knex } from 'knex';
import { loadConfig, type Config } from './config.js';
import { deriveKey } from './crypto.js';
import { unlistedCollections } from './store/collections.js';
import { ensureTables } from './store/schema.js';
import { OutboxWorker } from './flows/outbox-worker.js';

export type HostContext = ApiExtensionContext & { emitter?: unknown };

export interface Runtime {
	config: Config;
	knex: Knex;
	services: HostContext['services'];
	logger: HostContext['logger'];
	getSchema: HostContext['getSchema'];
	/** Resolves once the extension's tables exist. */
	ready: Promise<void>;
	/** Signs invitation JWTs; derived from the host's SECRET so the host never accepts them as its own. */
	tokenKey: Buffer;
	/** Seals queued mail data at rest. */
	outboxKey: Buffer;
	outbox: OutboxWorker;
}

let current: Runtime | null = null;

export function getRuntime(context: HostContext): Runtime {
	if (current) return current;
	const config = loadConfig(context.env); // throws a ConfigError naming the variable
	const knex = context.database as unknown as Knex;
	let secret = config.secret;
	if (!secret) {
		context.logger.warn('[user-lifecycle] SECRET is not set: tokens will not survive a restart nor work across instances');
		secret = deriveKey(String(Math.random()) + Date.now(), 'ephemeral').toString('hex');
	}
	const ready = ensureTables(knex).then(() => listInStudio(context, knex));
	ready.catch((error) => context.logger.error(error, '[user-lifecycle] could not create the extension tables'));
	const runtime: Runtime = {
		config,
		knex,
		services: context.services,
		logger: context.logger,
		getSchema: context.getSchema,
		ready,
		tokenKey: deriveKey(secret, 'tokens'),
		outboxKey: deriveKey(secret, 'outbox'),
		outbox: undefined as unknown as OutboxWorker,
	};
	runtime.outbox = new OutboxWorker(runtime);
	current = runtime;
	return runtime;
}

/**
 * Lists the audit trail and the outbox in the Data Studio through the host's CollectionsService,
 * which also clears the host's schema cache (on every instance), so the new tables are readable
 * at once. Another instance doing the same at the same moment is harmless.
 */
async function listInStudio(context: HostContext, knex: Knex): Promise<void> {
	const missing = await unlistedCollections(knex);
	if (missing.length === 0) return;
	const collections = new context.services.CollectionsService({ knex, schema: await context.getSchema({ bypassCache: true }), accountability: null });
	for (const meta of missing) {
		await collections.updateOne(meta.collection, { meta: { icon: meta.icon, note: meta.note, hidden: false, singleton: false, accountability: null } as never }).catch(async (error: unknown) => {
			if ((await unlistedCollections(knex)).some((m) => m.collection === meta.collection)) throw error;
		});
	}
}
