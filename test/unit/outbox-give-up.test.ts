// The outbox worker tells its `onGiveUp` callback (the runtime's `mail-failed` event) once per
// mail, only when the mail is given up for good and its failure is recorded, never for a retry.
import { beforeEach, describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { deriveKey } from '../../src/shared/util/crypto.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { enqueueMails, ensureOutboxTables, OUTBOX_TABLE } from '../../src/outbox/store.js';

const key = deriveKey('secret', 'outbox');

describe('outbox worker: giving a mail up (SQLite)', () => {
	const store = useSqliteStore(ensureOutboxTables);

	beforeEach(async () => {
		await store.knex(OUTBOX_TABLE).delete();
	});

	it('calls onGiveUp once, after the failure is recorded, without the mail link', async () => {
		await enqueueMails(store.knex, key, [{ kind: 'invite', to: 'gone@example.com', subject: 's', template: { name: 'user-invitation', data: { url: 'https://x.example.com/?token=secret-1' } } }]);
		const given: any[] = [];
		const worker = new OutboxWorker({
			knex: store.knex,
			key,
			logger: { warn: () => {}, error: () => {} },
			mailer: async () => ({ send: async () => Promise.reject(new Error('550 no such mailbox')) }),
			timings: { maxAttempts: 2, backoffMs: 300, pollMs: 1000, claimLeaseMs: 120_000 },
			onGiveUp: (mail) => {
				given.push(mail);
				// Recorded before the callback is told.
				void store.knex(OUTBOX_TABLE).first().then((row) => given.push({ statusAtCall: row.status }));
			},
		});
		worker.kick();
		await worker.idle();
		expect(given).toEqual([]); // a retry is due: not given up yet
		await new Promise((r) => setTimeout(r, 350));
		worker.kick();
		await worker.idle();
		await new Promise((r) => setTimeout(r, 50));
		expect(given).toHaveLength(2);
		expect(given[0]).toMatchObject({ kind: 'invite', to: 'gone@example.com', attempts: 2, error: '550 no such mailbox' });
		expect(JSON.stringify(given[0])).not.toContain('secret-1');
		expect(given[1]).toEqual({ statusAtCall: 'failed' });
		worker.kick();
		await worker.idle();
		expect(given).toHaveLength(2);
	});
});
