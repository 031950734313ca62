// The status guard's place among the host's filters. From the extension's own filters as the host
// holds them (noted in shared/events.ts) the guard tells whether a filter of someone else's (another
// extension, a blocking Flow) runs before it on the same event and may have rewritten the payload
// it sees, or after it and may rewrite what it checked. The guard's filters are kept last: a
// filter registered after them (a Flow reloaded, an extension loaded later) moves them back to
// the end at once.
import type { FilterHandler, RegisterFunctions } from '@directus/types';
import { ownHandlerOf, type FilterHost } from '../shared/events.js';
import type { Runtime } from '../shared/runtime.js';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Listener = Function;

/** Registers the guard's `handler` on `event`, kept after every other filter once the host's emitter is found. */
export function registerLast(register: RegisterFunctions, rt: Pick<Runtime, 'events' | 'logger'>, event: string, handler: FilterHandler): void {
	register.filter(event, handler);
	void rt.events.filterHost().then((host) => {
		if (host) keepLast(host, event, handler);
		else rt.logger.warn(`[user-lifecycle] the host's filters can't be ordered: the guard checks each ${event} again inside its write where it can`);
	});
}

/** The function the host holds for the extension's `handler`, among `listeners`. */
function positionOf(listeners: readonly Listener[], handler: Listener): number {
	return listeners.findIndex((listener) => listener === handler || ownHandlerOf(listener) === handler);
}

/**
 * Whether `handler` runs before every filter that isn't the extension's, among `listeners` in the
 * host's order. False when it isn't there at all.
 */
export function runsBeforeOthers(listeners: readonly Listener[], handler: Listener): boolean {
	const at = positionOf(listeners, handler);
	return at >= 0 && listeners.slice(0, at).every((listener) => ownHandlerOf(listener) !== undefined);
}

/**
 * Whether a filter that isn't the extension's runs after `handler` among `listeners` (it may
 * rewrite the payload `handler` checked). True when `handler` isn't there or the order is unknown.
 */
export function followedByOthers(listeners: readonly Listener[] | null, handler: Listener): boolean {
	if (!listeners) return true;
	const at = positionOf(listeners, handler);
	if (at < 0) return true;
	for (let i = at + 1; i < listeners.length; i++) if (ownHandlerOf(listeners[i]!) === undefined) return true;
	return false;
}

/** Per host emitter (it outlives an extension reload): the events whose own filters stay last. */
const KEPT_LAST = Symbol.for('user-lifecycle.filters-kept-last');
type KeptLast = Map<string, Set<Listener>>;

/**
 * Keeps the extension's `handler` on `event` after every other filter: moves it to the end now,
 * and again whenever someone registers a filter through the host's `onFilter` (extensions, Flows
 * on every reload). A filter registered on a wildcard or straight on the host's eventemitter2 may
 * still come after it: `followedByOthers` tells, per call.
 */
export function keepLast(host: FilterHost, event: string, handler: Listener): void {
	const kept = keptLastOn(host);
	const listeners = host.filterEmitter.listeners(event);
	const at = positionOf(listeners, handler);
	if (at < 0) return;
	const set = kept.get(event) ?? new Set<Listener>();
	set.add(listeners[at]!);
	kept.set(event, set);
	moveLast(host, event, set);
}

function keptLastOn(host: FilterHost): KeptLast {
	const holder = host as FilterHost & { [KEPT_LAST]?: KeptLast };
	const existing = holder[KEPT_LAST];
	if (existing) return existing;
	const kept: KeptLast = new Map();
	holder[KEPT_LAST] = kept;
	const register = host.onFilter;
	holder.onFilter = function onFilter(this: FilterHost, event: string, handler: Listener) {
		register.call(this, event, handler);
		for (const [keptEvent, set] of kept) if (!set.has(handler) && (event === keptEvent || event.includes('*'))) moveLast(host, keptEvent, set);
	};
	return kept;
}

/** Moves the kept filters the host still holds to the end of `event`'s list; forgets the others (an extension reload unregistered them). */
function moveLast(host: FilterHost, event: string, set: Set<Listener>): void {
	const listeners = host.filterEmitter.listeners(event);
	for (const listener of [...set]) {
		const at = listeners.indexOf(listener);
		if (at < 0) {
			set.delete(listener);
			continue;
		}
		if (listeners.slice(at + 1).every((other) => set.has(other))) continue;
		host.filterEmitter.off(event, listener);
		host.filterEmitter.on(event, listener);
	}
}
