// Which filter runs first or last: the extension's own filters are held by the host wrapped
// (hook.ts), and the guard's are kept after everyone else's.
import EventEmitter2 from 'eventemitter2';
import { describe, expect, it } from 'vitest';
import { followedByOthers, keepLast, runsBeforeOthers } from '../../src/status/filter-order.js';
import { noteOwnFilter, type FilterHost } from '../../src/shared/events.js';

describe('runsBeforeOthers', () => {
	const guard = () => undefined;
	const otherOwn = () => undefined;
	const wrappedGuard = () => undefined;
	const wrappedOther = () => undefined;
	noteOwnFilter(wrappedGuard, guard);
	noteOwnFilter(wrappedOther, otherOwn);
	const project = () => undefined;

	it('first, or after the extension\'s own filters only: true', () => {
		expect(runsBeforeOthers([wrappedGuard, project], guard)).toBe(true);
		expect(runsBeforeOthers([wrappedOther, wrappedGuard, project], guard)).toBe(true);
		expect(runsBeforeOthers([guard], guard)).toBe(true);
	});

	it("after someone else's filter, or not there at all: false", () => {
		expect(runsBeforeOthers([project, wrappedGuard], guard)).toBe(false);
		expect(runsBeforeOthers([wrappedOther, project, wrappedGuard], guard)).toBe(false);
		expect(runsBeforeOthers([wrappedOther, project], guard)).toBe(false);
		expect(runsBeforeOthers([], guard)).toBe(false);
	});
});

describe('followedByOthers', () => {
	const guard = () => undefined;
	const wrappedGuard = () => undefined;
	const wrappedOther = () => undefined;
	noteOwnFilter(wrappedGuard, guard);
	noteOwnFilter(wrappedOther, () => undefined);
	const project = () => undefined;

	it('last, or followed by the extension\'s own filters only: false', () => {
		expect(followedByOthers([project, wrappedGuard], guard)).toBe(false);
		expect(followedByOthers([project, wrappedGuard, wrappedOther], guard)).toBe(false);
	});

	it("followed by someone else's filter, not there, or the order unknown: true", () => {
		expect(followedByOthers([wrappedGuard, project], guard)).toBe(true);
		expect(followedByOthers([wrappedGuard, wrappedOther, project], guard)).toBe(true);
		expect(followedByOthers([project], guard)).toBe(true);
		expect(followedByOthers(null, guard)).toBe(true);
	});
});

describe('keepLast', () => {
	// The host's Emitter as far as filters go (its filterEmitter: eventemitter2, wildcards on).
	const newHost = (): FilterHost => {
		const filterEmitter = new EventEmitter2({ wildcard: true, delimiter: '.', maxListeners: 0 });
		return {
			filterEmitter: filterEmitter as unknown as FilterHost['filterEmitter'],
			onFilter(event, handler) {
				filterEmitter.on(event, handler as (...args: unknown[]) => void);
			},
		};
	};
	const ownFilter = () => {
		const handler = () => undefined;
		const registered = () => undefined;
		noteOwnFilter(registered, handler);
		return { handler, registered };
	};

	it('moves the guard after filters registered before it, and again after each one registered later', () => {
		const host = newHost();
		const early = () => undefined;
		host.onFilter('users.update', early);
		const guard = ownFilter();
		host.onFilter('users.update', guard.registered);
		const before = () => undefined;
		host.onFilter('users.update', before);
		keepLast(host, 'users.update', guard.handler);
		expect(host.filterEmitter.listeners('users.update')).toEqual([early, before, guard.registered]);
		// A Flow reload or a late extension registers through onFilter: the guard goes back to the end.
		const late = () => undefined;
		host.onFilter('users.update', late);
		expect(host.filterEmitter.listeners('users.update')).toEqual([early, before, late, guard.registered]);
		// Other events are left alone.
		const other = () => undefined;
		host.onFilter('users.create', other);
		expect(host.filterEmitter.listeners('users.update')).toEqual([early, before, late, guard.registered]);
		expect(followedByOthers(host.filterEmitter.listeners('users.update'), guard.handler)).toBe(false);
	});

	it('forgets a filter the host no longer holds (an extension reload) instead of putting it back', () => {
		const host = newHost();
		const old = ownFilter();
		host.onFilter('users.update', old.registered);
		keepLast(host, 'users.update', old.handler);
		host.filterEmitter.off('users.update', old.registered);
		const fresh = ownFilter();
		host.onFilter('users.update', fresh.registered);
		keepLast(host, 'users.update', fresh.handler);
		const project = () => undefined;
		host.onFilter('users.update', project);
		expect(host.filterEmitter.listeners('users.update')).toEqual([project, fresh.registered]);
	});

	it('a filter registered behind onFilter stays after the guard: followedByOthers tells', () => {
		const host = newHost();
		const guard = ownFilter();
		host.onFilter('users.update', guard.registered);
		keepLast(host, 'users.update', guard.handler);
		const sneaky = () => undefined;
		host.filterEmitter.on('users.update', sneaky);
		expect(followedByOthers(host.filterEmitter.listeners('users.update'), guard.handler)).toBe(true);
	});
});
