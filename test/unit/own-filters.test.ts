// Which filter runs first: the extension's own filters are held by the host wrapped (hook.ts).
import { describe, expect, it } from 'vitest';
import { noteOwnFilter, runsBeforeOthers } from '../../src/shared/own-filters.js';

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
