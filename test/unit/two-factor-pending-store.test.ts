// Issue 10's two-factor tables against a real SQLite file: the pending secret (one per user,
// replaced, consumed once, expired ones refused and pruned) and the recovery-login password
// counter; and the sealing of the pending secret.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { openPendingSecret, pendingSecretKey, sameSecret, sealPendingSecret } from '../../src/two-factor/pending-secret.js';
import {
	consumePendingSecret,
	countPasswordAttempt,
	ensurePendingSecretsTable,
	ensureRecoveryLoginAttemptsTable,
	PENDING_SECRETS_TABLE,
	prunePasswordAttempts,
	prunePendingSecrets,
	putPendingSecret,
	readPendingSecret,
	RECOVERY_LOGIN_ATTEMPTS_TABLE,
	takeBackPasswordAttempt,
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

	it('counts password attempts per window; a right one is taken back; pruned once idle', async () => {
		const { knex } = store;
		const t0 = 1_000_000;
		for (let i = 1; i <= 3; i++) expect(await countPasswordAttempt(knex, 'w', 10_000, t0 + i)).toBe(i);
		await takeBackPasswordAttempt(knex, 'w');
		expect(await countPasswordAttempt(knex, 'w', 10_000, t0 + 5)).toBe(3);
		expect(await countPasswordAttempt(knex, 'w', 10_000, t0 + 10_001)).toBe(1); // a new window
		await takeBackPasswordAttempt(knex, 'w');
		await takeBackPasswordAttempt(knex, 'w');
		expect((await knex(RECOVERY_LOGIN_ATTEMPTS_TABLE).where({ user_id: 'w' }).first()).failures).toBe(0); // never below 0
		const burst = await Promise.all(Array.from({ length: 8 }, () => countPasswordAttempt(knex, 'b', 60_000)));
		expect(Math.max(...burst)).toBe(8);
		await countPasswordAttempt(knex, 'old', 10, 5);
		expect(await prunePasswordAttempts(knex, 100, 100)).toBe(1);
		expect(await knex(RECOVERY_LOGIN_ATTEMPTS_TABLE).where({ user_id: 'old' })).toHaveLength(0);
	});

	it('a sealed secret opens only for its user and under its key; compared in constant time', () => {
		const key = pendingSecretKey({ recoveryCodeKey: Buffer.alloc(32, 1) });
		const other = pendingSecretKey({ recoveryCodeKey: Buffer.alloc(32, 2) });
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
