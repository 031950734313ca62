// The module's place in the host's module bar, added once on the first start (src/bundle/module-bar.ts).
import { describe, expect, it } from 'vitest';
import { HOST_DEFAULT_BAR, MODULE_ID, withModule } from '../../src/bundle/module-bar.js';

describe('the module in the module bar', () => {
	it("an empty setting is the host's default bar, with the module after Users", () => {
		const bar = withModule(null);
		expect(bar.map((item) => item.id)).toEqual(['content', 'visual', 'users', MODULE_ID, 'files', 'insights', 'flows', 'deployments', 'docs', 'settings']);
		expect(bar[3]).toEqual({ type: 'module', id: MODULE_ID, enabled: true });
		expect(withModule([])).toEqual(bar);
		expect(HOST_DEFAULT_BAR.find((item) => item.id === MODULE_ID)).toBeUndefined();
	});

	it("an admin's own bar keeps its order and items; without Users the module goes before Settings, else last", () => {
		const own = [
			{ type: 'module' as const, id: 'settings', enabled: true, locked: true },
			{ type: 'module' as const, id: 'content', enabled: false },
		];
		expect(withModule(own).map((item) => item.id)).toEqual([MODULE_ID, 'settings', 'content']);
		expect(withModule([{ type: 'module', id: 'files', enabled: true }]).map((item) => item.id)).toEqual(['files', MODULE_ID]);
	});

	it('a bar that lists the module already is left as it is, ticked or not', () => {
		const unticked = [{ type: 'module' as const, id: 'users', enabled: true }, { type: 'module' as const, id: MODULE_ID, enabled: false }];
		expect(withModule(unticked)).toEqual(unticked);
	});
});
