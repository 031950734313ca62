// The outbox as a tool: failed mails listed with their error (never their link), a retry sends
// the mail again through the capability that queued it (a fresh link), once however many ask at
// once; only those who may read the outbox collection see or retry anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { EVENTS_AND_OUTBOX } from '../../harness/profiles.js';

describe.each(await availableDatabases())('outbox administration on %s', (db) => {
	let host: TestHost;
	let role: string;

	const failedMailTo = async (email: string) => {
		expect((await host.admin('POST', '/user-lifecycle/invite', { email, role })).status).toBe(200);
		await expect
			.poll(async () => (await host.knex('user_lifecycle_outbox').where({ recipient: email }).first())?.status, { timeout: 30_000, interval: 200 })
			.toBe('failed');
		return (await host.knex('user_lifecycle_outbox').where({ recipient: email }).first()).id as string;
	};

	beforeAll(async () => {
		// The lifecycle events' profile (two tries, 200 ms apart): one host for both files.
		host = await startTestHost({ db, ...EVENTS_AND_OUTBOX });
		role = await host.createApiRole('Outbox invitees');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('lists failed mails with their error and without their template data', async () => {
		const id = await failedMailTo('listed@reject.example.net');
		const res = await host.admin('GET', '/user-lifecycle/outbox');
		expect(res.status).toBe(200);
		const mail = res.body.data.find((m: any) => m.id === id);
		expect(mail).toMatchObject({ kind: 'invite', recipient: 'listed@reject.example.net', status: 'failed', attempts: 2 });
		expect(mail.last_error).toMatch(/550|unavailable/i);
		expect(Object.keys(mail)).not.toContain('payload');
		expect(res.text).not.toMatch(/token=/);
		expect((await host.admin('GET', '/user-lifecycle/outbox?status=sent')).body.data.some((m: any) => m.id === id)).toBe(false);
	});

	it('retries once under concurrency: one fresh mail, whose link works, and the row is marked retried', async () => {
		const email = 'again@reject.example.net';
		const id = await failedMailTo(email);
		host.mailbox.rejectDomain = 'nothing.invalid';
		try {
			const answers = await Promise.all(Array.from({ length: 5 }, () => host.admin('POST', `/user-lifecycle/outbox/${id}/retry`)));
			expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400, 400]);
			// The answer is the mail the retry queued; the retried row names it.
			const fresh = answers.find((a) => a.status === 200)!.body.data;
			expect(fresh).toMatchObject({ kind: 'invite', recipient: email });
			expect(fresh.id).not.toBe(id);
			const token = await host.mailbox.tokenFor(email);
			await new Promise((resolve) => setTimeout(resolve, 1000));
			expect(host.mailbox.to(email)).toHaveLength(1);
			expect((await host.api('POST', '/user-lifecycle/invite/accept', { token, password: 'a-long-password-1' })).status).toBe(204);
			expect((await host.knex('user_lifecycle_outbox').where({ id }).first())).toMatchObject({ status: 'retried', retried_as: fresh.id });
			// Once retried, not again.
			const twice = await host.admin('POST', `/user-lifecycle/outbox/${id}/retry`);
			expect(twice.status).toBe(400);
			expect(twice.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		} finally {
			host.mailbox.rejectDomain = 'reject.example.net';
		}
	});

	it('a retry whose resend is refused leaves the mail failed (the invitation was revoked meanwhile)', async () => {
		const email = 'revoked@reject.example.net';
		const id = await failedMailTo(email);
		const user = await host.userByEmail(email);
		expect((await host.admin('POST', '/user-lifecycle/invite/revoke', { user: user.id })).status).toBe(204);
		const res = await host.admin('POST', `/user-lifecycle/outbox/${id}/retry`);
		expect(res.status).toBe(400);
		expect((await host.knex('user_lifecycle_outbox').where({ id }).first()).status).toBe('failed');
	});

	it("answers the host's refusal to those who may not read the outbox, and lets in those who may", async () => {
		const id = await failedMailTo('guarded@reject.example.net');
		const outsiderRole = await host.createApiRole('Outbox outsiders', [{ collection: 'directus_users', action: 'create' }]);
		const outsider = await host.createApiUser(outsiderRole, 'outsider@example.com');
		for (const res of [
			await host.api('GET', '/user-lifecycle/outbox', undefined, { token: outsider.token }),
			await host.api('POST', `/user-lifecycle/outbox/${id}/retry`, undefined, { token: outsider.token }),
			await host.api('GET', '/user-lifecycle/outbox'),
		]) {
			expect([401, 403]).toContain(res.status);
		}
		expect((await host.knex('user_lifecycle_outbox').where({ id }).first()).status).toBe('failed');
		// A made-up id answers like a real one the caller can't read.
		const madeUp = await host.admin('POST', '/user-lifecycle/outbox/00000000-0000-4000-8000-000000000000/retry');
		expect(madeUp.status).toBe(403);

		const readerRole = await host.createApiRole('Outbox readers', [{ collection: 'user_lifecycle_outbox', action: 'read' }]);
		const reader = await host.createApiUser(readerRole, 'reader@example.com');
		const listed = await host.api('GET', '/user-lifecycle/outbox', undefined, { token: reader.token });
		expect(listed.status).toBe(200);
		expect(listed.body.data.some((m: any) => m.id === id)).toBe(true);
	});

	it('bad input is a 400 in the host format, never a 5xx', async () => {
		for (const [method, path] of [
			['GET', '/user-lifecycle/outbox?status=lost'],
			['GET', '/user-lifecycle/outbox?limit=0'],
			['GET', '/user-lifecycle/outbox?limit=abc'],
			['POST', '/user-lifecycle/outbox/not-an-id/retry'],
			['POST', '/user-lifecycle/outbox/%E0%A4%A/retry'],
		] as const) {
			const res = await host.admin(method, path);
			expect(res.status, `${method} ${path}`).toBe(400);
			// `limit` is also the host's own query parameter: its query check may answer first.
			expect(['INVALID_PAYLOAD', 'INVALID_QUERY']).toContain(res.body.errors[0].extensions.code);
		}
	});
});
