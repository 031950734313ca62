// The outbox store and worker against a real SQLite file, with a fake MailService.
import { beforeEach, describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { deriveKey } from '../../src/shared/util/crypto.js';
import { OutboxWorker, type OutboxDeps } from '../../src/outbox/worker.js';
import { claimDueMails, enqueueMails, ensureOutboxTables, markSent, OUTBOX_TABLE, releaseClaims } from '../../src/outbox/store.js';

const key = deriveKey('secret', 'outbox');

describe('outbox worker (SQLite)', () => {
	const store = useSqliteStore(ensureOutboxTables);

	const runtime = (send: (mail: any) => Promise<unknown>, maxAttempts = 3, backoffMs = 20): OutboxDeps => ({
		knex: store.knex,
		key,
		logger: { warn: () => {}, error: () => {} },
		mailer: async () => ({ send }),
		timings: { maxAttempts, backoffMs, pollMs: 1000, claimLeaseMs: 120_000 },
	});
	const drain = async (worker: OutboxWorker) => {
		worker.kick();
		await worker.idle();
	};
	const mails = (n: number, prefix = 'm') =>
		Array.from({ length: n }, (_, i) => ({ kind: 'invite', to: `${prefix}${i}@example.com`, subject: 's', template: { name: 'user-invitation', data: { url: `https://x.example.com/?token=secret-${i}` } } }));

	beforeEach(async () => {
		await store.knex(OUTBOX_TABLE).delete();
	});

	it('seals the link at rest, sends once, then erases it', async () => {
		await enqueueMails(store.knex, key, mails(1));
		expect(JSON.stringify(await store.knex(OUTBOX_TABLE).select())).not.toContain('secret-0');
		const sent: any[] = [];
		await drain(new OutboxWorker(runtime(async (m) => sent.push(m))));
		expect(sent).toHaveLength(1);
		expect(sent[0].template.data.url).toContain('secret-0');
		const [row] = await store.knex(OUTBOX_TABLE).select();
		expect(row).toMatchObject({ status: 'sent', payload: null, last_error: null });
	});

	it('retries with growing backoff, then gives up keeping the error', async () => {
		await enqueueMails(store.knex, key, mails(1));
		let tries = 0;
		// A 400 ms first backoff: wide enough that a loaded machine can't blur "not due yet".
		const worker = new OutboxWorker(runtime(async () => {
			tries++;
			throw new Error(`smtp down ${tries}`);
		}, 3, 400));
		await drain(worker);
		let row = await store.knex(OUTBOX_TABLE).first();
		expect(row).toMatchObject({ status: 'pending', last_error: 'smtp down 1' });
		const firstDelay = Number(row.next_attempt_at) - Date.now();
		expect(firstDelay).toBeGreaterThan(0);
		expect(firstDelay).toBeLessThanOrEqual(400);
		await drain(worker); // not due yet: no new try
		expect(tries).toBe(1);
		await new Promise((r) => setTimeout(r, 420));
		await drain(worker);
		row = await store.knex(OUTBOX_TABLE).first();
		expect(tries).toBe(2);
		expect(Number(row.next_attempt_at) - Date.now()).toBeGreaterThan(400); // doubled: 800 ms
		await new Promise((r) => setTimeout(r, 820));
		await drain(worker);
		row = await store.knex(OUTBOX_TABLE).first();
		expect(row).toMatchObject({ status: 'failed', last_error: 'smtp down 3', payload: null });
		expect(Number(row.attempts)).toBe(3);
		await new Promise((r) => setTimeout(r, 50));
		await drain(worker);
		expect(tries).toBe(3);
	});

	it('two workers draining together send every mail exactly once', async () => {
		await enqueueMails(store.knex, key, mails(120, 'pair'));
		const sends = new Map<string, number>();
		const send = async (m: any) => {
			await new Promise((r) => setTimeout(r, Math.random() * 3));
			sends.set(m.to, (sends.get(m.to) ?? 0) + 1);
		};
		const a = new OutboxWorker(runtime(send));
		const b = new OutboxWorker(runtime(send));
		a.kick();
		b.kick();
		await Promise.all([a.idle(), b.idle()]);
		expect(sends.size).toBe(120);
		expect([...sends.values()].every((n) => n === 1)).toBe(true);
		expect(await store.knex(OUTBOX_TABLE).whereNot({ status: 'sent' })).toHaveLength(0);
	});

	it('keeps at most `concurrency` sends in flight and marks every sent mail, in groups', async () => {
		await enqueueMails(store.knex, key, mails(450, 'window'));
		let inFlight = 0;
		let most = 0;
		const sent = new Set<string>();
		const worker = new OutboxWorker({
			...runtime(async (m) => {
				inFlight++;
				most = Math.max(most, inFlight);
				await new Promise((r) => setTimeout(r, 1));
				inFlight--;
				sent.add(m.to);
			}),
			concurrency: 3,
		});
		await drain(worker);
		expect(most).toBe(3);
		expect(sent.size).toBe(450);
		const rows = await store.knex(OUTBOX_TABLE).select('status', 'claim', 'payload');
		expect(rows.every((r: any) => r.status === 'sent' && r.claim === null && r.payload === null)).toBe(true);
	});

	it('a worker whose lease ran out cannot mark over the newer claim', async () => {
		await enqueueMails(store.knex, key, mails(1));
		const [first] = await claimDueMails(store.knex, key, 10, -1); // lease already over
		const [second] = await claimDueMails(store.knex, key, 10, 60_000);
		expect(second!.id).toBe(first!.id);
		expect(second!.attempts).toBe(2);
		await markSent(store.knex, first!.id, first!.claim);
		expect((await store.knex(OUTBOX_TABLE).first()).status).toBe('sending');
		await markSent(store.knex, second!.id, second!.claim);
		expect((await store.knex(OUTBOX_TABLE).first()).status).toBe('sent');
	});

	it('a drain that cannot build its mailer gives its claims back untried, due at once', async () => {
		await enqueueMails(store.knex, key, mails(3));
		const worker = new OutboxWorker({ ...runtime(async () => undefined), mailer: async () => Promise.reject(new Error('no MailService')) });
		await drain(worker);
		const rows = await store.knex(OUTBOX_TABLE).select('status', 'claim', 'attempts');
		expect(rows).toHaveLength(3);
		expect(rows.every((r: any) => r.status === 'pending' && r.claim === null && Number(r.attempts) === 0)).toBe(true);
	});

	it('releasing claims touches only the mails still under that claim, in one statement per claim', async () => {
		await enqueueMails(store.knex, key, mails(4));
		const claimed = await claimDueMails(store.knex, key, 2, 60_000);
		const others = await claimDueMails(store.knex, key, 2, 60_000);
		const statements: string[] = [];
		const listen = (q: { sql: string }) => statements.push(q.sql);
		store.knex.on('query', listen);
		// one of the others' ids under the wrong claim: not released
		await releaseClaims(store.knex, [...claimed, { id: others[0]!.id, claim: claimed[0]!.claim }]);
		store.knex.off('query', listen);
		expect(statements).toHaveLength(1);
		const rows = await store.knex(OUTBOX_TABLE).select('id', 'status', 'attempts');
		const byId = new Map(rows.map((r: any) => [r.id, r]));
		for (const mail of claimed) expect(byId.get(mail.id)).toMatchObject({ status: 'pending', attempts: 0 });
		for (const mail of others) expect(byId.get(mail.id)).toMatchObject({ status: 'sending', attempts: 1 });
	});
});
