// The durable outbox: SMTP down, retries with backoff, giving up with the error kept, two
// instances on one database never sending one mail twice, and a 1,000-email invite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';

const MAX_ATTEMPTS = 5;

describe.each(await availableDatabases())('the mail outbox on %s', (db) => {
	let host: TestHost;
	let role: string;

	const invite = (email: string | string[]) => host.admin('POST', '/user-lifecycle/invite', { email, role });
	const outbox = () => host.knex('user_lifecycle_outbox').select('*');

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: { USER_LIFECYCLE_OUTBOX_BACKOFF: '500ms', USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS), USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '200ms' },
		});
		role = await host.createApiRole('Invitees');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('SMTP down: 20 invites answer at once; once SMTP is back every mail arrives exactly once', async () => {
		// A second instance on the same database drains the same outbox (not on SQLite: one writer).
		if (db !== 'sqlite') await host.startSibling();
		await host.mailbox.stop();
		const emails = Array.from({ length: 20 }, (_, i) => `down-${i}@example.com`);
		const waiting = async () => (await outbox()).filter((row: any) => row.recipient.startsWith('down-'));
		try {
			const started = performance.now();
			const res = await invite(emails);
			expect(res.status).toBe(200);
			// At once: nothing waits for SMTP (a loaded 2-core machine may take a few seconds for 20 invites).
			expect(performance.now() - started).toBeLessThan(8000);
			expect(res.body.data.every((o: any) => o.outcome === 'invited')).toBe(true);

			// Tried again after the backoff, the error kept; nothing sent while SMTP is down.
			await expect.poll(async () => (await waiting()).some((row: any) => Number(row.attempts) >= 2 && row.last_error), { timeout: 15_000 }).toBe(true);
			expect(await waiting()).toHaveLength(20);
			expect((await waiting()).every((row: any) => row.status !== 'sent')).toBe(true);
		} finally {
			// Back up whatever happened: the file's other tests need it.
			await host.mailbox.start();
		}
		await host.mailbox.waitForTotal(20, 30_000);
		await new Promise((resolve) => setTimeout(resolve, 2000));
		for (const email of emails) expect(host.mailbox.to(email)).toHaveLength(1);
		const sent = (await outbox()).filter((row: any) => row.recipient.startsWith('down-'));
		expect(sent.every((row: any) => row.status === 'sent' && row.payload === null)).toBe(true);
	});

	it('gives up on a mail after the bounded number of tries and keeps the error', async () => {
		const email = 'nobody@reject.example.net';
		expect((await invite(email)).status).toBe(200);
		const deadline = Date.now() + 30_000;
		let row: any;
		for (;;) {
			row = (await outbox()).find((r: any) => r.recipient === email);
			if (row?.status === 'failed' || Date.now() > deadline) break;
			await new Promise((resolve) => setTimeout(resolve, 200));
		}
		expect(row.status).toBe('failed');
		expect(Number(row.attempts)).toBe(MAX_ATTEMPTS);
		expect(row.last_error).toMatch(/550|unavailable/i);
		// The token link is not kept at rest once the outbox is done with the mail.
		expect(row.payload).toBeNull();
	});

	it('invites 1,000 emails in one call and delivers every mail once', async () => {
		const emails = Array.from({ length: 1000 }, (_, i) => `bulk-${String(i).padStart(4, '0')}@example.com`);
		const before = host.mailbox.mails.length;
		const started = performance.now();
		const res = await invite(emails);
		const ms = performance.now() - started;
		expect(res.status).toBe(200);
		expect(res.body.data).toHaveLength(1000);
		expect(res.body.data.every((o: any) => o.outcome === 'invited')).toBe(true);
		console.log(`[outbox test] 1,000 invites on ${db}: ${ms.toFixed(0)} ms (mails queued, not yet sent)`);
		const count = await host.knex('directus_users').where({ status: 'invited' }).whereRaw("email like 'bulk-%'").count({ n: '*' }).first();
		expect(Number(count!.n)).toBe(1000);

		await host.mailbox.waitForTotal(before + 1000, 220_000);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		for (const email of emails) expect(host.mailbox.to(email)).toHaveLength(1);
		const tokens = new Set(emails.map((email) => host.mailbox.to(email)[0]!.tokens[0]));
		expect(tokens.size).toBe(1000);
	}, 240_000);

	it('shows the outbox to admins in the Data Studio, read-only', async () => {
		const collections = await host.admin('GET', '/collections');
		expect(collections.body.data.some((c: any) => c.collection === 'user_lifecycle_outbox')).toBe(true);
		const rows = await host.admin('GET', '/items/user_lifecycle_outbox?limit=5&sort=-created_at');
		expect(rows.status).toBe(200);
		expect(rows.body.data.length).toBeGreaterThan(0);
		const id = rows.body.data[0].id;
		expect((await host.admin('PATCH', `/items/user_lifecycle_outbox/${id}`, { status: 'pending' })).status).toBe(403);
		expect((await host.admin('DELETE', `/items/user_lifecycle_outbox/${id}`)).status).toBe(403);
		expect((await host.admin('POST', '/items/user_lifecycle_outbox', { id: 'x', kind: 'x' })).status).toBe(403);
		expect((await host.api('GET', '/items/user_lifecycle_outbox')).status).toBe(403);
	});
});
