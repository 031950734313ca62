// A link's state (src/shared/link-state.ts) against a real SQLite file: the count of
// the existing user's status changes at issue, compared at spend time.
import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { ensureAuditTables, recordEvents } from '../../src/shared/audit.js';
import { currentLinkState, isLinkStateCurrent } from '../../src/shared/link-state.js';

const statusChange = (user: string, from: string, to: string) => ({ user, event: 'status', from, to, actor: null, via: 'api' });

describe('reset link state (SQLite)', () => {
	const store = useSqliteStore(ensureAuditTables);

	it('holds while no status change is recorded (other events and the creation do not count), and not after one', async () => {
		const knex: Knex = store.knex;
		await recordEvents(knex, [statusChange('s1', 'unverified', 'active'), statusChange('other', 'active', 'suspended')]);
		const issuedIn = { ...(await currentLinkState(knex, 's1')) };
		expect(issuedIn).toEqual({ statusChanges: 1 });
		// The guard may record a creation after its commit, so after a link was issued.
		await recordEvents(knex, [{ user: 's1', event: 'status', from: null, to: 'active', actor: null, via: 'api' }]);
		await recordEvents(knex, [{ user: 's1', event: 'login-locked', actor: null, via: 'login' }, statusChange('other', 'suspended', 'active')]);
		expect(await isLinkStateCurrent(knex, 's1', issuedIn)).toBe(true);
		// Away and back: the same status, a different episode.
		await recordEvents(knex, [statusChange('s1', 'active', 'suspended'), statusChange('s1', 'suspended', 'active')]);
		expect(await isLinkStateCurrent(knex, 's1', issuedIn)).toBe(false);
	});

	it('a user with no recorded change holds at zero; a token without a recorded state is refused', async () => {
		expect(await isLinkStateCurrent(store.knex, 'fresh', { statusChanges: 0 })).toBe(true);
		expect(await isLinkStateCurrent(store.knex, 'fresh', {})).toBe(false);
	});
});
