// "May the caller act on this user's account?" is the host's answer to an update of that user's
// `status` (the field that decides whether they sign in), made as the caller and rolled back: an
// empty update would pass for a role that may update any one harmless field. A licensed project
// can have such field rules (the unlicensed test host refuses them), so the probe's payload is
// checked here against a real SQLite file and a stand-in for the host's UsersService.
import { describe, expect, it } from 'vitest';
import { assertMayManageUser } from '../../src/shared/may-write.js';
import type { Runtime } from '../../src/shared/runtime.js';
import { useSqliteStore } from '../harness/sqlite-store.js';

const USER = '0f6a1c1e-6d0e-4b8e-9d0a-7c1f2e3d4b5a';
const CALLER = '1a2b3c4d-0000-4000-8000-000000000001';

describe('who may manage another user', () => {
	const store = useSqliteStore(async (knex) => {
		if (await knex.schema.hasTable('directus_users')) return;
		await knex.schema.createTable('directus_users', (t) => {
			for (const column of ['id', 'email', 'status', 'role', 'provider', 'first_name', 'last_name', 'language']) t.string(column);
		});
		await knex('directus_users').insert({ id: USER, email: 'managed@example.com', status: 'suspended', provider: 'default' });
	});
	const runtime = (updates: unknown[][], refuse: (payload: Record<string, unknown>) => boolean) =>
		({
			knex: store.knex,
			getSchema: async () => ({}),
			services: {
				UsersService: class {
					async updateMany(keys: string[], payload: Record<string, unknown>) {
						updates.push([keys, payload]);
						if (refuse(payload)) throw Object.assign(new Error('forbidden'), { code: 'FORBIDDEN' });
					}
				},
			},
		}) as unknown as Runtime;
	const caller = { accountability: { user: CALLER, role: null, roles: [], admin: false, app: false, ip: null } as never };

	it("asks the host about the user's status as it is, not an empty update", async () => {
		const updates: unknown[][] = [];
		await assertMayManageUser(runtime(updates, () => false), USER, caller);
		expect(updates).toEqual([[[USER], { status: 'suspended' }]]);
	});

	it('the host refusing the status write refuses the caller', async () => {
		// A role that may update first names only: the host refuses a write of `status`.
		const updates: unknown[][] = [];
		await expect(assertMayManageUser(runtime(updates, (payload) => 'status' in payload), USER, caller)).rejects.toThrow('forbidden');
	});

	it('a made-up user is refused alike, after the same probe', async () => {
		const updates: unknown[][] = [];
		await expect(assertMayManageUser(runtime(updates, () => false), '99999999-0000-4000-8000-000000000000', caller)).rejects.toMatchObject({ code: 'FORBIDDEN' });
		expect(updates).toHaveLength(1);
	});
});
