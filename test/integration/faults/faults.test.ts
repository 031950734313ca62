// Faults, on PostgreSQL: the database connections dropped in the middle of a bulk invite, SMTP
// down for a while (FAULT_SMTP_OUTAGE_MS), the database connections dropped while a sent mail is being marked sent.
// The properties: every change is whole or absent, every mail arrives, once. (The host process
// killed with 500 mails queued: host-crash.test.ts, in parallel with this file.)
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { availableDatabases, HARNESS_DB_APPLICATION, startTestHost, type TestHost } from '../../harness/host.js';
import { HOST_SESSIONS, OUTBOX_ENV, seconds, sleep, SMTP_OUTAGE_MS } from './helpers.js';

const hasPostgres = (await availableDatabases()).includes('postgres');
if (!hasPostgres) {
	console.warn('[user-lifecycle tests] NOTICE: PostgreSQL does not answer on 127.0.0.1:5432 (or USER_LIFECYCLE_TEST_DBS leaves it out): the fault tests are skipped');
	it.skip('faults: database connections dropped, SMTP down (needs PostgreSQL)', () => {});
}

describe.runIf(hasPostgres)('faults on postgres', () => {
	let host: TestHost;
	let role: string;
	let terminator: Knex;
	let hostDatabase: string;

	const invite = (emails: string[]) => host.admin('POST', '/user-lifecycle/invite', { email: emails, role });
	const count = async (table: string, where: (q: any) => any = (q) => q) => Number((await where(host.knex(table)).count({ n: '*' }).first())!.n);
	const unsettledMails = () => count('user_lifecycle_outbox', (q) => q.whereIn('status', ['pending', 'sending']));
	const waitOutboxIdle = (timeout: number) => expect.poll(unsettledMails, { timeout, interval: 250 }).toBe(0);
	/** Audit records of users that don't exist (the database has no foreign key to stop them). */
	const orphanEvents = () =>
		count('user_lifecycle_events', (q) =>
			q.whereNotExists((sub: Knex.QueryBuilder) => sub.select(host.knex.raw('1')).from('directus_users').whereRaw('directus_users.id::text = user_lifecycle_events."user"')),
		);

	beforeAll(async () => {
		host = await startTestHost({ db: 'postgres', env: { ...OUTBOX_ENV, USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *' }, exclusive: true });
		role = await host.createApiRole('Fault invitees');
		hostDatabase = (host.knex.client.config.connection as { database: string }).database;
		// The test's own connection, to the `test` database: it outlives the terminations.
		terminator = knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' }, pool: { min: 1, max: 1 } });
	});

	// Whatever a failed test left: the mailbox answers at once.
	beforeEach(() => {
		host.mailbox.holdReplies = false;
		host.mailbox.releaseHeld();
	});

	afterAll(async () => {
		await terminator?.destroy().catch(() => {});
		await host?.stop();
	});

	it('database connections dropped mid-invite: each batch is whole or absent, and the host recovers', async () => {
		const N = 200;
		// Where in the invite's transaction the host's connections are cut: at the first write seen,
		// when a table's write is under way, a little later, or (`afterAudit`) as soon as another
		// session sees new audit records while the invite is still open. A target never seen
		// before the request ends leaves that round uncut (it still has to be whole). `auditLocked`:
		// the audit table is locked (by a harness session) during the invite, and the cut comes when
		// the host's audit insert waits on that lock — inside the transaction, or after its commit.
		const rounds: { target: RegExp; delayMs: number; afterAudit?: boolean; auditLocked?: boolean }[] = [
			{ target: /./, delayMs: 0 },
			{ target: /directus_users/i, delayMs: 0 },
			{ target: /user_lifecycle_tokens/i, delayMs: 0 },
			{ target: /user_lifecycle_outbox/i, delayMs: 0 },
			{ target: /./, delayMs: 80 },
			{ target: /./, delayMs: 0, afterAudit: true },
			{ target: /./, delayMs: 0, auditLocked: true },
			// Control, no cut: the same checks see a whole batch.
			{ target: /^$ never/, delayMs: 0 },
		];
		const report: string[] = [];
		const kept: string[] = [];
		let cut = 0;
		// The outbox is kept out of the cuts (they are about the invite's transaction; a cut during
		// its marks is the last test): the server holds its answers until every round is over, so
		// the worker sits waiting on its first sends, not on the database.
		host.mailbox.holdReplies = true;
		const cutHostSessions = async () =>
			((await terminator.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${HOST_SESSIONS}`, [hostDatabase, HARNESS_DB_APPLICATION])) as { rowCount: number | null }).rowCount ?? 0;
		const auditInsertWaiting = async () => {
			const { rows } = (await terminator.raw(
				`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${HOST_SESSIONS} AND wait_event_type = 'Lock' AND query ILIKE '%user_lifecycle_events%'`,
				[hostDatabase, HARNESS_DB_APPLICATION],
			)) as { rows: { n: number }[] };
			return rows[0]!.n > 0;
		};
		for (const [round, { target, delayMs, afterAudit, auditLocked }] of rounds.entries()) {
			const emails = Array.from({ length: N }, (_, i) => `fault-a${round}-${String(i).padStart(3, '0')}@example.com`);
			const before = { tokens: await count('user_lifecycle_tokens'), events: await count('user_lifecycle_events'), outbox: await count('user_lifecycle_outbox'), orphanEvents: await orphanEvents() };
			let settled = false;
			const lock = auditLocked ? await host.knex.transaction() : null;
			await lock?.raw('LOCK TABLE user_lifecycle_events IN SHARE MODE');
			const request = invite(emails).finally(() => (settled = true));
			let phase = '(not cut)';
			let terminated = 0;
			if (lock) {
				try {
					const deadline = Date.now() + 20_000;
					while (Date.now() < deadline && !(await auditInsertWaiting())) await sleep(20);
					phase = settled ? '(invite answered, its audit insert waiting)' : '(audit insert waiting inside the invite)';
					terminated = await cutHostSessions();
					await sleep(200);
				} finally {
					await lock.commit();
				}
			}
			while (!settled && !lock) {
				if (afterAudit) {
					if ((await count('user_lifecycle_events')) === before.events) continue;
					phase = '(audit records committed, invite still open)';
					terminated = await cutHostSessions();
					break;
				}
				// A backend of the host's database inside a transaction that has written something.
				const { rows } = (await terminator.raw(`SELECT query FROM pg_stat_activity WHERE ${HOST_SESSIONS} AND backend_xid IS NOT NULL`, [hostDatabase, HARNESS_DB_APPLICATION])) as {
					rows: { query: string }[];
				};
				const hit = rows.find((r) => target.test(r.query));
				if (hit) {
					if (delayMs) await sleep(delayMs);
					phase = hit.query.replace(/\s+/g, ' ').slice(0, 60);
					terminated = await cutHostSessions();
					break;
				}
			}
			const res = await request;

			const users = await host.knex('directus_users').select('id', 'email', 'status').whereRaw('email like ?', [`fault-a${round}-%`]);
			const ids = users.map((u) => u.id);
			const outbox = await host.knex('user_lifecycle_outbox').select('recipient').whereRaw('recipient like ?', [`fault-a${round}-%`]);
			// New users' audit records are written by a queue of the guard, apart from the request: let it finish.
			await sleep(500);
			const after = { tokens: await count('user_lifecycle_tokens'), events: await count('user_lifecycle_events'), outbox: await count('user_lifecycle_outbox'), orphanEvents: await orphanEvents() };
			report.push(
				`round ${round}: cut at "${phase}" (${terminated} sessions) → ${res.status}; users ${users.length}/${N}, ` +
					`tokens +${after.tokens - before.tokens}, mails +${after.outbox - before.outbox}, audit records +${after.events - before.events} (of users that don't exist: +${after.orphanEvents - before.orphanEvents})`,
			);
			if (res.status !== 200) cut++;

			// Soft assertions: every round runs (and is reported) whatever an earlier one showed.
			if (users.length === 0) {
				// Absent: nothing of the batch was kept, the audit trail included.
				expect.soft(res.status, `round ${round}: nothing was written, the answer must say so`).not.toBe(200);
				expect.soft(res.status).toBeGreaterThanOrEqual(500);
				expect.soft(res.body?.errors?.[0]?.extensions?.code, res.text).toBeTypeOf('string');
				expect.soft(outbox).toHaveLength(0);
				expect.soft(after.orphanEvents - before.orphanEvents, `round ${round}: audit records of invitees whose creation was rolled back`).toBe(0);
				expect.soft(after, `round ${round}: absent`).toEqual(before);
			} else {
				// Whole: every invitee, one live token each, one mail each, one audit record each.
				expect.soft(res.status, `round ${round}: the batch was written, the answer must be 200: ${res.text}`).toBe(200);
				expect.soft(users).toHaveLength(N);
				expect.soft(users.every((u) => u.status === 'invited')).toBe(true);
				const live = await host.knex('user_lifecycle_tokens').select('user_id').where({ kind: 'invite' }).whereIn('user_id', ids).whereNull('consumed_at').whereNull('revoked_at');
				expect.soft(live).toHaveLength(N);
				expect.soft(new Set(live.map((t) => t.user_id)).size).toBe(N);
				expect.soft(outbox).toHaveLength(N);
				expect.soft(new Set(outbox.map((o) => o.recipient)).size).toBe(N);
				expect.soft(after.tokens - before.tokens).toBe(N);
				expect.soft(after.outbox - before.outbox).toBe(N);
				expect.soft(await count('user_lifecycle_events', (q) => q.whereIn('user', ids).where({ to: 'invited' })), `round ${round}: audit records of the invited users`).toBe(N);
				expect.soft(after.orphanEvents).toBe(before.orphanEvents);
			}
			kept.push(...users.map((u) => u.email));
			// The host answers again.
			await expect.poll(async () => (await host.admin('GET', '/users/me')).status, { timeout: 15_000, interval: 200 }).toBe(200);
		}
		console.log(`[faults] database cut mid-invite:\n  ${report.join('\n  ')}`);
		// The outbox delivers what was kept, once each.
		host.mailbox.holdReplies = false;
		host.mailbox.releaseHeld();
		await waitOutboxIdle(90_000);
		for (const email of kept) expect.soft(host.mailbox.to(email), email).toHaveLength(1);
		// The scenario ran: at least one invite was cut inside its transaction.
		expect(cut).toBeGreaterThanOrEqual(1);

		// Afterwards the host serves everything again, from the first request on.
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) statuses.push((await host.admin('GET', '/users/me')).status);
		expect(statuses).toEqual([200, 200, 200, 200, 200]);
		const again = await invite(['fault-a-after@example.com']);
		expect(again.status, again.text).toBe(200);
		await host.mailbox.waitFor('fault-a-after@example.com', 1, 30_000);
	}, 200_000);

	it(`SMTP down for ${seconds(SMTP_OUTAGE_MS)} during 100 invites: every mail arrives exactly once, nothing left pending`, async () => {
		const emails = Array.from({ length: 100 }, (_, i) => `fault-b-${String(i).padStart(3, '0')}@example.com`);
		await host.mailbox.stop();
		const down = performance.now();
		let triesDuring: number[] = [];
		let answeredMs = 0;
		try {
			const res = await invite(emails);
			// Answered while SMTP is down: the request does not wait for it (the time is only reported:
			// on this shared two-core machine it varies with the load).
			expect(res.status, res.text).toBe(200);
			expect(res.body.data.every((o: any) => o.outcome === 'invited')).toBe(true);
			answeredMs = performance.now() - down;
			expect(answeredMs).toBeLessThan(30_000);

			await sleep(SMTP_OUTAGE_MS - (performance.now() - down));
			const during = await host.knex('user_lifecycle_outbox').select('status', 'attempts').whereRaw("recipient like 'fault-b-%'");
			expect(during).toHaveLength(100);
			expect(during.every((r) => r.status !== 'sent')).toBe(true);
			triesDuring = during.map((r) => Number(r.attempts));
		} finally {
			await host.mailbox.start();
		}
		const up = performance.now();
		for (const email of emails) await host.mailbox.waitFor(email, 1, 60_000);
		const deliveredMs = performance.now() - up;
		await waitOutboxIdle(10_000);
		await sleep(2000); // a late duplicate would show up here

		for (const email of emails) expect(host.mailbox.to(email), email).toHaveLength(1);
		const ids = emails.map((email) => host.mailbox.to(email)[0]!.messageId);
		expect(new Set(ids).size).toBe(100);
		const rows = await host.knex('user_lifecycle_outbox').select('status', 'attempts', 'payload').whereRaw("recipient like 'fault-b-%'");
		expect(rows.every((r) => r.status === 'sent' && r.payload === null)).toBe(true);
		const tries = rows.map((r) => Number(r.attempts));
		console.log(
			`[faults] SMTP down ${seconds(SMTP_OUTAGE_MS)}: 100 invites answered in ${answeredMs.toFixed(0)} ms; tries during the outage ${Math.min(...triesDuring)}–${Math.max(...triesDuring)}; ` +
				`all 100 mails ${seconds(deliveredMs)} after SMTP was back; tries in all ${Math.min(...tries)}–${Math.max(...tries)}`,
		);
	}, 150_000);

	it('a mail sent while its "sent" mark fails (connection dropped) is not sent again', async () => {
		// Deterministic: the server holds its answer to the first sends; the test locks their
		// outbox rows; the server answers (the mails are delivered); the host's "sent" marks wait
		// on the lock; the host's sessions are cut right then; the lock is released.
		const emails = Array.from({ length: 10 }, (_, i) => `fault-e-${i}@example.com`);
		host.mailbox.holdReplies = true;
		try {
			const res = await invite(emails);
			expect(res.status, res.text).toBe(200);
			await expect.poll(() => host.mailbox.mails.filter((m) => m.held).length, { timeout: 15_000, interval: 50 }).toBe(10);
		} finally {
			host.mailbox.holdReplies = false;
		}
		const waitingOnLock = async () => {
			const { rows } = (await terminator.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${HOST_SESSIONS} AND wait_event_type = 'Lock'`, [hostDatabase, HARNESS_DB_APPLICATION])) as { rows: { n: number }[] };
			return rows[0]!.n;
		};
		let waiting = 0;
		// The rows are locked from a harness session on the host's database (the cut spares it).
		const lock = await host.knex.transaction();
		try {
			await lock('user_lifecycle_outbox').select('id').whereRaw("recipient like 'fault-e-%'").forUpdate();
			host.mailbox.releaseHeld(); // 250 OK: the ten mails are delivered
			await expect.poll(waitingOnLock, { timeout: 15_000, interval: 50 }).toBeGreaterThan(0);
			await sleep(500); // the other marks reach the lock too
			waiting = await waitingOnLock();
			await terminator.raw(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${HOST_SESSIONS}`, [hostDatabase, HARNESS_DB_APPLICATION]);
			await sleep(300);
		} finally {
			await lock.commit();
		}
		// The mails went out: within seconds the outbox must say so (a retry on a fresh connection),
		// and must not send them again (not after a backoff, nor after the claim's lease).
		const settled = async () => (await host.knex('user_lifecycle_outbox').select('status').whereRaw("recipient like 'fault-e-%'")).map((r) => r.status).join(',');
		let statuses = '';
		const markedAt = Date.now();
		const deadline = Date.now() + 15_000;
		while (Date.now() < deadline && (statuses = await settled()) !== Array(10).fill('sent').join(',')) await sleep(250);
		const markMs = Date.now() - markedAt;
		await sleep(3000); // a retry after the backoff would show up here
		const counts = emails.map((email) => host.mailbox.to(email).length);
		const rows = await host.knex('user_lifecycle_outbox').select('status', 'attempts', 'claimed_until', 'last_error').whereRaw("recipient like 'fault-e-%'");
		console.log(
			`[faults] "sent" marks cut (${waiting} waiting on the lock): after ${seconds(markMs)} the rows say ${statuses}; mails per recipient ${counts.join(',')}; rows: ` +
				JSON.stringify(rows.map((r) => ({ status: r.status, attempts: Number(r.attempts), claim_left_ms: r.claimed_until ? Number(r.claimed_until) - Date.now() : null, last_error: r.last_error?.slice(0, 60) ?? null }))),
		);
		expect.soft(statuses, 'delivered mails are recorded as sent within 15 s').toBe(Array(10).fill('sent').join(','));
		expect.soft(counts, 'mails per recipient (a second one: the mail was sent again)').toEqual(emails.map(() => 1));
	}, 60_000);
});
