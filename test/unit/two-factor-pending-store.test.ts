// Issue 10's two-factor tables against a real SQLite file: the pending secret (one per user,
// replaced, consumed once, expired ones refused and pruned), the retired recovery-login password
// counter's leftovers pruned; and the sealing of the pending secret.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { openPendingSecret, pendingSecretKey, sameSecret, sealPendingSecret } from '../../src/two-factor/pending-secret.js';
import {
	consumePendingSecret,
	ensurePendingSecretsTable,
	ensureRecoveryLoginAttemptsTable,
	PENDING_SECRETS_TABLE,
	prunePasswordAttempts,
	prunePendingSecrets,
	putPendingSecret,
	readPendingSecret,
	RECOVERY_LOGIN_ATTEMPTS_TABLE,
} from '../../src/two-factor/store.js';

describe('pending secrets and recovery-login attempts (SQLite)', () => {
	const store = useSqliteStore(async (knex) => {
		await ensurePendingSecretsTable(knex);
		await ensureRecoveryLoginAttemptsTable(knex);
	});

	it('one pending secret per user: a new one replaces it; read only while it lives', async () => {
		const { knex } = store;
		await putPendingSecret(knex, 'u1', 'sealed-1', 2000, 1000);
		await putPendingSecret(knex, 'u1', 'sealed-2', 3000, 1500);
		await putPendingSecret(knex, 'u2', 'sealed-x', 3000, 1500);
		expect(await knex(PENDING_SECRETS_TABLE).where({ user_id: 'u1' })).toHaveLength(1);
		expect(await readPendingSecret(knex, 'u1', 2500)).toBe('sealed-2');
		expect(await readPendingSecret(knex, 'u1', 3000)).toBeNull(); // expired at `expires`
		expect(await readPendingSecret(knex, 'nobody', 0)).toBeNull();
	});

	it('consumed once, only as read, only while it lives; even concurrently', async () => {
		const { knex } = store;
		await putPendingSecret(knex, 'c1', 'sealed-a', 10_000, 0);
		expect(await consumePendingSecret(knex, 'c1', 'sealed-other', 100)).toBe(false); // replaced since it was read
		expect(await consumePendingSecret(knex, 'c1', 'sealed-a', 10_000)).toBe(false); // expired
		const wins = await Promise.all(Array.from({ length: 10 }, () => consumePendingSecret(knex, 'c1', 'sealed-a', 100)));
		expect(wins.filter(Boolean)).toHaveLength(1);
		expect(await readPendingSecret(knex, 'c1', 100)).toBeNull();
	});

	it('prunes expired pending secrets, at most `limit` per call', async () => {
		const { knex } = store;
		await knex(PENDING_SECRETS_TABLE).delete();
		for (let i = 0; i < 5; i++) await putPendingSecret(knex, `p${i}`, 's', 100 + i, 0);
		await putPendingSecret(knex, 'live', 's', 10_000, 0);
		expect(await prunePendingSecrets(knex, 1000, 3)).toBe(3);
		expect(await prunePendingSecrets(knex, 1000, 100)).toBe(2);
		expect(await prunePendingSecrets(knex, 1000, 100)).toBe(0);
		expect(await knex(PENDING_SECRETS_TABLE).pluck('user_id')).toEqual(['live']);
	});

	it('rows left in the retired recovery-login counter are pruned once idle', async () => {
		const { knex } = store;
		await knex(RECOVERY_LOGIN_ATTEMPTS_TABLE).insert([
			{ user_id: 'old', failures: 3, window_start: 5 },
			{ user_id: 'recent', failures: 1, window_start: 500 },
		]);
		expect(await prunePasswordAttempts(knex, 100, 100)).toBe(1);
		expect(await knex(RECOVERY_LOGIN_ATTEMPTS_TABLE).pluck('user_id')).toEqual(['recent']);
	});

	it('a sealed secret opens only for its user and under its key; compared in constant time', () => {
		const key = pendingSecretKey({ key: () => Buffer.alloc(32, 1) });
		const other = pendingSecretKey({ key: () => Buffer.alloc(32, 2) });
		expect(key.equals(other)).toBe(false);
		const sealed = sealPendingSecret(key, 'user-a', 'JBSWY3DPEHPK3PXP');
		expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
		expect(openPendingSecret(key, 'user-a', sealed)).toBe('JBSWY3DPEHPK3PXP');
		expect(openPendingSecret(key, 'user-b', sealed)).toBeNull();
		expect(openPendingSecret(other, 'user-a', sealed)).toBeNull();
		expect(openPendingSecret(key, 'user-a', 'garbage')).toBeNull();
		expect(openPendingSecret(key, 'user-a', sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA'))).toBeNull();
		expect(sameSecret('JBSWY3DPEHPK3PXP', 'JBSWY3DPEHPK3PXP')).toBe(true);
		expect(sameSecret('JBSWY3DPEHPK3PXP', 'JBSWY3DPEHPK3PXQ')).toBe(false);
		expect(sameSecret('JBSWY3DPEHPK3PXP', 'JBSWY3DPEHPK3PXPAAAA')).toBe(false);
	});
});
