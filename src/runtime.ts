// One runtime per host process, shared by the endpoint and the hook of this bundle: config,
// the host's knex and services, the start-up schema work, and the mail outbox worker.
import type { ApiExtensionContext } from '@directus/types';
import type { Knex } from 'knex';
import { loadConfig, type Config } from './config.js';
import { deriveKey } from './crypto.js';
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
	/** Keys the recovery codes' hashes: a database dump alone can't brute-force them. */
	recoveryCodeKey: Buffer;
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
	const ready = ensureTables(knex);
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
		recoveryCodeKey: deriveKey(secret, 'recovery-codes'),
		outbox: undefined as unknown as OutboxWorker,
	};
	runtime.outbox = new OutboxWorker(runtime);
	current = runtime;
	return runtime;
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
