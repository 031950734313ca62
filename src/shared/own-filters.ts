// The extension's filters as the host holds them (hook.ts registers each wrapped), so a hook can
// tell whether a filter of someone else's (another extension, a blocking Flow) runs before it on
// the same event and may have rewritten the payload it sees.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type Listener = Function;

const handlerOf = new WeakMap<Listener, Listener>();

/** Notes that the host holds `registered` for the extension's `handler`. */
export function noteOwnFilter(registered: Listener, handler: Listener): void {
	handlerOf.set(registered, handler);
}

/**
 * Whether `handler` runs before every filter that isn't the extension's, among `listeners` in the
 * host's order. False when it isn't there at all.
 */
export function runsBeforeOthers(listeners: readonly Listener[], handler: Listener): boolean {
	for (const listener of listeners) {
		const own = handlerOf.get(listener);
		if (own === handler || listener === handler) return true;
		if (own === undefined) return false;
	}
	return false;
}
