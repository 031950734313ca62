// The host process killed (SIGKILL) with 500 mails queued, on PostgreSQL: a new process on the
// same database sends them all; claims of the dead process are honoured until their lease ends;
// the only mails sent twice are those the SMTP server had taken when the process died.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { CLAIM_LEASE_MS, OUTBOX_ENV, seconds, sleep } from './helpers.js';

const hasPostgres = (await availableDatabases()).includes('postgres');
if (!hasPostgres) {
	console.warn('[user-lifecycle tests] NOTICE: PostgreSQL does not answer on 127.0.0.1:5432 (or USER_LIFECYCLE_TEST_DBS leaves it out): the host-crash test is skipped');
	it.skip('faults: host killed with 500 mails queued (needs PostgreSQL)', () => {});
}

describe.runIf(hasPostgres)('a host crash on postgres', () => {
	let host: TestHost;
	let role: string;

	const invite = (emails: string[]) => host.admin('POST', '/user-lifecycle/invite', { email: emails, role });

	beforeAll(async () => {
		host = await startTestHost({ db: 'postgres', env: { ...OUTBOX_ENV, USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *' }, exclusive: true });
		role = await host.createApiRole('Crash invitees');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('host killed (SIGKILL) with 500 mails queued: all sent after a restart, claims of the dead process expire, duplicates only for mails in flight', async () => {
		const emails = Array.from({ length: 500 }, (_, i) => `fault-c-${String(i).padStart(3, '0')}@example.com`);
		const rowsOf = () => host.knex('user_lifecycle_outbox').select('*').whereRaw("recipient like 'fault-c-%'");

		// 1. SMTP down: 500 invitations pile up; the worker keeps trying (and failing).
		await host.mailbox.stop();
		const pileStarted = Date.now();
		const res = await invite(emails);
		expect(res.status, res.text).toBe(200);
		await expect.poll(async () => (await rowsOf()).filter((r) => Number(r.attempts) >= 1).length, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(20);
		const pileMs = Date.now() - pileStarted;

		// 2. SMTP comes back but holds its answer to DATA: the host's worker claims a batch and
		//    waits on its first sends, which the server already has. Then the process dies.
		host.mailbox.holdReplies = true;
		await host.mailbox.start();
		await expect.poll(() => host.mailbox.mails.filter((m) => m.held).length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(0);
		await sleep(500); // let the rest of the first parallel sends reach the server
		await host.kill('SIGKILL');
		const killedAt = Date.now();
		const held = new Set(host.mailbox.mails.filter((m) => m.held).flatMap((m) => m.to.map((t) => t.toLowerCase())));
		const claimed = (await rowsOf()).filter((r) => r.status === 'sending');
		const claimedBy = new Map(claimed.map((r) => [r.recipient.toLowerCase(), Number(r.claimed_until)]));
		expect(claimed.length).toBeGreaterThan(0);
		for (const recipient of held) expect(claimedBy.has(recipient), `${recipient} was in flight, so claimed`).toBe(true);

		// 3. SMTP back for real, a new host process on the same database (and port).
		await host.mailbox.stop();
		host.mailbox.holdReplies = false;
		await host.mailbox.start();
		const restartStarted = Date.now();
		await host.restart();
		const upAt = Date.now();

		// 4. Everything not claimed goes out at once; the claimed rows wait for their lease.
		await expect.poll(async () => (await rowsOf()).filter((r) => r.status === 'sent').length, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(500 - claimed.length);
		const unclaimedDoneMs = Date.now() - upAt;
		await expect.poll(async () => (await rowsOf()).filter((r) => r.status === 'sent').length, { timeout: CLAIM_LEASE_MS + 30_000, interval: 500 }).toBe(500);
		const allDoneMs = Date.now() - killedAt;
		await sleep(2000); // a late duplicate would show up here

		const rows = await rowsOf();
		expect(rows.every((r) => r.status === 'sent' && r.claim === null && r.payload === null)).toBe(true);
		// The dead process's claims were honoured until their lease ran out, then taken over.
		const waits: number[] = [];
		for (const row of rows.filter((r) => claimedBy.has(r.recipient.toLowerCase()))) {
			const until = claimedBy.get(row.recipient.toLowerCase())!;
			expect(Number(row.sent_at)).toBeGreaterThan(until);
			expect(Number(row.sent_at) - until).toBeLessThan(15_000);
			waits.push(Number(row.sent_at) - killedAt);
		}
		// Mails: one per outbox row, except those the server had taken when the process died
		// (held): the new process can't know they went out and sends them again.
		const duplicated: string[] = [];
		for (const email of emails) {
			const got = host.mailbox.to(email);
			if (held.has(email)) {
				expect(got.length, email).toBeGreaterThanOrEqual(1);
				expect(got.length, email).toBeLessThanOrEqual(2);
				if (got.length === 2) duplicated.push(email);
			} else {
				expect(got, email).toHaveLength(1);
			}
		}
		const resent = duplicated.map((email) => host.mailbox.to(email).map((m) => m.messageId));
		console.log(
			`[faults] SIGKILL with 500 queued (invited, 20+ tried and failed, in ${seconds(pileMs)}): ${claimed.length} rows claimed (sending) by the dead process, ${held.size} of them already taken by the server; ` +
				`restart ${seconds(upAt - restartStarted)}; the ${500 - claimed.length} unclaimed sent ${seconds(unclaimedDoneMs)} after the restart; ` +
				`the claimed ones ${seconds(Math.min(...waits))}–${seconds(Math.max(...waits))} after the kill (lease ${seconds(CLAIM_LEASE_MS)}); all sent ${seconds(allDoneMs)} after the kill; ` +
				`duplicates: ${duplicated.length} (the in-flight ones)${resent.length ? `, Message-IDs differ: ${resent.every(([a, b]) => a !== b)}` : ''}`,
		);
	}, 300_000);
});
