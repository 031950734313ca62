// Lifecycle events for other extensions and Flows: `user-lifecycle.<step>` action events on the
// host's own emitter (the one a hook's `action()` listens on), and on the extension context's
// local bus for extensions that use `emitter.onAction`. Emit only after the step's transaction
// committed; a payload never carries a token, code, secret or password (stripped here too).
//
// The host's global emitter is not in an extension's context: it is the default export of
// `@directus/api/emitter`, resolved from the running host's own entry file so that it is the very
// module instance the host uses (ESM caches by resolved URL).
import { importFromHost } from './host-modules.js';

/**
 * The step names, one key each: every capability adds its own (`declare module`, as settings add
 * to Config), so this file lists no capability.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LifecycleSteps {}
export type LifecycleStep = keyof LifecycleSteps & string;

export interface LifecyclePayload {
	/** The user the step is about (null: none, e.g. a failed mail to an address without an account). */
	user: string | null;
	/** Who made it (a user id), or null for the public / the system. */
	actor: string | null;
	/** The path that made it ('registration', 'api', 'native', 'graphql', 'schedule', ...). */
	via: string;
	[field: string]: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Listener = Function;

/** The extension's filters as the host holds them: hook.ts wraps each and notes it here, so the guard can tell its own from others'. */
const ownFilters = new WeakMap<Listener, Listener>();

/** Notes that the host holds `registered` for the extension's `handler`. */
export function noteOwnFilter(registered: Listener, handler: Listener): void {
	ownFilters.set(registered, handler);
}

/** The extension's handler `listener` stands for; undefined for a filter that isn't the extension's. */
export function ownHandlerOf(listener: Listener): Listener | undefined {
	return ownFilters.get(listener);
}

/** The host's Emitter, as far as keeping filters last needs it. */
export interface FilterHost {
	onFilter(event: string, handler: Listener): void;
	filterEmitter: { listeners(event: string): Listener[]; on(event: string, handler: Listener): unknown; off(event: string, handler: Listener): unknown };
}

interface ActionEmitter {
	emitAction(event: string, meta: Record<string, unknown>, context?: unknown): void;
	/** The host's Emitter: how many action handlers an event reaches (wildcards included). */
	countActionListeners?(event: string): number;
	/** The host's Emitter's eventemitter2, whose `onAny` handlers hear every event. */
	actionEmitter?: { listenersAny?(): unknown[] };
	/** The host's Emitter's filters (eventemitter2): `listeners(event)` in the order emitFilter calls them. */
	// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
	filterEmitter?: { listeners?(event: string): Function[] };
}

/**
 * Whether an event on `emitter` reaches anyone. A 1,000-user bulk update makes 1,000
 * `status-changed` events: nobody listening, nothing is built or sent. An emitter that can't say
 * is taken to listen.
 */
export function hasListeners(emitter: ActionEmitter, event: string): boolean {
	if (typeof emitter.countActionListeners !== 'function') return true;
	try {
		return emitter.countActionListeners(event) > 0 || (emitter.actionEmitter?.listenersAny?.().length ?? 0) > 0;
	} catch {
		return true;
	}
}

/** Keys never sent in a payload, whatever a caller passes. */
const SECRET_KEY = /token|secret|password|otp|code|hash|url/i;

export class LifecycleEvents {
	private host: Promise<ActionEmitter | null> | null = null;
	/** The host's emitter once found. */
	private found: ActionEmitter | null = null;

	constructor(
		private readonly local: ActionEmitter | undefined,
		private readonly logger: { warn(message: string): void },
	) {}

	/** Emits one event per payload (call it after the commit). Never throws. */
	emit(step: LifecycleStep, payloads: LifecyclePayload | LifecyclePayload[]): void {
		const list = Array.isArray(payloads) ? payloads : [payloads];
		if (list.length === 0) return;
		const event = `user-lifecycle.${step}`;
		void this.hostEmitter().then((host) => {
			const targets = [host, this.local !== host ? this.local : undefined].filter((emitter): emitter is ActionEmitter => !!emitter && hasListeners(emitter, event));
			if (targets.length === 0) return;
			for (const payload of list) {
				const meta = clean(payload);
				try {
					for (const target of targets) target.emitAction(event, meta);
				} catch (error) {
					this.logger.warn(`[user-lifecycle] emitting ${event} failed: ${(error as Error)?.message ?? 'unknown error'}`);
				}
			}
		});
	}

	/**
	 * One of the host's own action events (not a lifecycle step), on the host's emitter only: a
	 * login refused in the host's place is reported as the host reports its refusals
	 * (`auth.login`, status `fail`), so every listener sees it. Never throws.
	 */
	async emitHost(event: string, meta: Record<string, unknown>, context: unknown): Promise<void> {
		const host = await this.hostEmitter();
		try {
			host?.emitAction(event, meta, context);
		} catch (error) {
			this.logger.warn(`[user-lifecycle] emitting ${event} failed: ${(error as Error)?.message ?? 'unknown error'}`);
		}
	}

	/**
	 * The host's filter handlers for `event`, in the order its next emit will call them; null when
	 * it can't be told (the host's emitter isn't found, or not yet: it is looked up at start-up).
	 */
	// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
	hostFilters(event: string): readonly Function[] | null {
		try {
			return this.found?.filterEmitter?.listeners?.(event) ?? null;
		} catch {
			return null;
		}
	}

	/** The host's emitter, for keeping filters in order; null when it can't be found. */
	async filterHost(): Promise<FilterHost | null> {
		const host = (await this.hostEmitter()) as (ActionEmitter & Partial<FilterHost>) | null;
		const emitter = host?.filterEmitter as Partial<FilterHost['filterEmitter']> | undefined;
		if (!host || typeof host.onFilter !== 'function' || typeof emitter?.on !== 'function' || typeof emitter.off !== 'function' || typeof emitter.listeners !== 'function') return null;
		return host as FilterHost;
	}

	private hostEmitter(): Promise<ActionEmitter | null> {
		this.host ??= loadHostEmitter().then(
			(emitter) => (this.found = emitter),
			(error) => {
				this.logger.warn(`[user-lifecycle] the host's emitter could not be found (${(error as Error)?.message}); events go to the extensions' bus only`);
				return null;
			},
		);
		return this.host;
	}
}

async function loadHostEmitter(): Promise<ActionEmitter> {
	return (await importFromHost<ActionEmitter>('emitter', (m) => typeof m.emitAction === 'function')).module;
}

function clean(payload: LifecyclePayload): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(payload)) {
		if (SECRET_KEY.test(key)) continue;
		out[key] = value;
	}
	return out;
}
