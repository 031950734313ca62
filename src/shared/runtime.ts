// One runtime per host process, shared by the endpoint and the hook of this bundle: config,
// the host's knex and services, the start-up migrations, keys derived from SECRET, and the mail
// queue (made by the entries' factory: the outbox capability). Requests and hooks wait for `ready` where they enter (see the entry files).
import type { ApiExtensionContext } from '@directus/types';
import type { Knex } from 'knex';
import { AUDIT_MIGRATIONS } from './audit.js';
import { loadConfig, type Config, type SettingsSlice } from './config.js';
import { extensionTables, keepOutOfHostSchema, migrate, type Migration } from './migrations.js';
import { RATE_LIMIT_MIGRATIONS } from './rate-limit.js';
import { PENDING_FLOW_MIGRATIONS } from './pending-flows.js';
import { ensureStudioCollections, STUDIO_COLLECTION_MIGRATIONS, studioCollections, type CollectionMeta } from './studio-collections.js';
import { TOKEN_MIGRATIONS } from './link-tokens.js';
import { deriveKey } from './util/crypto.js';
import { LifecycleEvents } from './events.js';
import { MAIL_THROTTLE_MIGRATIONS } from './mail-throttle.js';
import type { MailQueue } from './mail.js';
import type { OtpGate } from './otps.js';
import type { PasswordPolicy } from './password-policy.js';
import type { PasswordGate, PasswordResets } from './passwords.js';

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
	/** Queues mail in a transaction (the outbox capability delivers it). */
	outbox: MailQueue;
	/** Checks a password outside the host's login: counted toward the login lock, stalled like a login. */
	passwords: PasswordGate;
	/** Checks a TOTP code outside the host's login: counted toward the code lock, accepted once. */
	otps: OtpGate;
	/** Judges a new password (the password-policy capability's rules): 400 PASSWORD_POLICY naming the rule. */
	passwordPolicy: PasswordPolicy;
	/** Mails a fresh password-reset link to a user whose account a flow just took back. */
	resets: PasswordResets;
	/** `user-lifecycle.*` action events for other extensions and Flows (emit after commit). */
	events: LifecycleEvents;
}

export const SHARED_MIGRATIONS: Migration[] = [...TOKEN_MIGRATIONS, ...RATE_LIMIT_MIGRATIONS, ...AUDIT_MIGRATIONS, ...PENDING_FLOW_MIGRATIONS, ...MAIL_THROTTLE_MIGRATIONS, ...STUDIO_COLLECTION_MIGRATIONS];

/** What the entries hand the runtime of the capabilities: tables, settings, studio collections, and the mail queue's maker. */
export interface StartUp {
	migrations: readonly Migration[];
	settings: readonly SettingsSlice[];
	studioCollections: readonly CollectionMeta[];
	/** Called once per runtime (the endpoint and the hook share it, so one queue per process). */
	mailQueue: (rt: Omit<Runtime, 'outbox' | 'passwords' | 'otps' | 'resets'>) => MailQueue;
	/** The password gate's maker (the login lock), called once per runtime. */
	passwordGate: (rt: Runtime) => PasswordGate;
	/** The code gate's maker (two-factor), called once per runtime. */
	otpGate: (rt: Runtime) => OtpGate;
	/** The password policy's maker (the password-policy capability), called once per runtime. */
	passwordPolicy: (rt: Pick<Runtime, 'config' | 'knex'>) => PasswordPolicy;
	/** The reset-link port's maker (password reset), called once per runtime. */
	passwordResets: (rt: Runtime) => PasswordResets;
}

let current: Runtime | null = null;

/** The process's runtime; the first entry to call it (endpoint or hook) creates it with the capabilities' start-up parts. */
export function getRuntime(context: HostContext, { migrations, settings, studioCollections: shownByCapabilities, mailQueue, passwordGate, otpGate, passwordPolicy, passwordResets }: StartUp): Runtime {
	if (current) return current;
	const config = loadConfig(context.env, settings); // throws a ConfigError naming the variable
	const knex = context.database as unknown as Knex;
	let secret = config.secret;
	if (!secret) {
		context.logger.warn('[user-lifecycle] SECRET is not set: tokens will not survive a restart nor work across instances');
		secret = deriveKey(String(Math.random()) + Date.now(), 'ephemeral').toString('hex');
	}
	const all = [...SHARED_MIGRATIONS, ...migrations];
	// Before the host builds its schema (the hook refreshes it once the tables exist): only the
	// tables the Data Studio shows stay in it.
	const studio = studioCollections(shownByCapabilities);
	const shown = new Set(studio.map((meta) => meta.collection));
	keepOutOfHostSchema(context.env as Record<string, unknown>, extensionTables(all).filter((table) => !shown.has(table)));
	const ready = migrate(knex, all).then(() => ensureStudioCollections(knex, studio));
	ready.catch((error) => context.logger.error(error, '[user-lifecycle] could not create the extension tables'));
	const events = new LifecycleEvents(context.emitter as never, context.logger);
	const keys = new Map<string, Buffer>();
	const base: Omit<Runtime, 'outbox' | 'passwords' | 'otps' | 'resets'> = {
		config,
		knex,
		services: context.services,
		logger: context.logger,
		getSchema: context.getSchema,
		ready,
		key: (purpose) => keys.get(purpose) ?? keys.set(purpose, deriveKey(secret!, purpose)).get(purpose)!,
		events,
		passwordPolicy: passwordPolicy({ config, knex }),
	};
	// The gates work on the whole runtime (they record and emit a lock), so they are made last.
	const made = { ...base, outbox: mailQueue(base) } as Runtime;
	made.passwords = passwordGate(made);
	made.otps = otpGate(made);
	made.resets = passwordResets(made);
	current = made;
	return current;
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
