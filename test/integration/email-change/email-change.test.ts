// Changing one's own email address end to end, tokens read from real mail: the request (a fresh
// proof; the same answer for a free and a taken address), the confirmation by the new address
// (other sessions end, the old address is told), the confirmation refused once the address is
// taken, the revert from the old address (also after a second change, also against a later
// revert link), reset links dying with the change, and a wrong password counted by the gate.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import type { CapturedMail } from '../../harness/mailbox.js';
import { codes, enableTfa, wrongCode } from '../two-factor/helpers.js';
import { CONFIRM_URL, EMAIL_CHANGE_PROFILE } from './profile.js';

const NEW_PASSWORD = 'a-brand-new-password';

describe.each(await availableDatabases())('email change on %s', (db) => {
	let host: TestHost;
	let role: string;
	const address = (name: string) => `ec.${name}.${randomUUID().slice(0, 8)}@example.com`;

	/** An active user signed in twice (two sessions); its id, address and the first session's tokens. */
	const newUser = async (name: string, fields: Record<string, unknown> = {}) => {
		const email = address(name);
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active', ...fields });
		const first = await host.login(email, PASSWORD);
		expect(first.status, first.text).toBe(200);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
		return { id, email, token: first.body.data.access_token as string, refresh: first.body.data.refresh_token as string };
	};
	const ask = (token: string, body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/email-change', body, { token });
	const confirm = (token: string) => host.api('POST', '/user-lifecycle/email-change/confirm', { token });
	const revert = (token: string) => host.api('POST', '/user-lifecycle/email-change/revert', { token });
	const emailOf = async (id: string) => (await host.knex('directus_users').select('email').where({ id }).first()).email as string;
	const sessionsOf = async (id: string) => Number((await host.knex('directus_sessions').where({ user: id }).count({ n: '*' }).first())!.n);
	const tokenOf = (mail: CapturedMail) => {
		expect(mail.tokens, mail.html).toHaveLength(1);
		return mail.tokens[0]!;
	};
	/** The mail to `to` whose text says `words`, once it arrived. */
	const mailSaying = async (to: string, words: string) => {
		await expect.poll(() => host.mailbox.to(to).some((mail) => mail.html.includes(words)), { timeout: 15_000 }).toBe(true);
		return host.mailbox.to(to).filter((mail) => mail.html.includes(words)).at(-1)!;
	};
	const expectCode = (res: ApiResponse, status: number, code: string) => {
		expect(res.status, res.text).toBe(status);
		expect(res.body.errors[0].extensions.code).toBe(code);
	};
	const auditOf = (id: string, event: string) => host.knex('user_lifecycle_events').where({ user: id, event });

	beforeAll(async () => {
		host = await startTestHost({ db, ...EMAIL_CHANGE_PROFILE });
		role = await host.createApiRole('Email changers', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('the new address confirms, other sessions end, the old address is told twice with a masked address', async () => {
		const user = await newUser('flow');
		const next = address('flow-next');
		expect(await sessionsOf(user.id)).toBe(2);
		const res = await ask(user.token, { email: next, password: PASSWORD });
		expect(res.status, res.text).toBe(204);
		expect(res.text).toBe('');
		// Nothing changes yet.
		expect(await emailOf(user.id)).toBe(user.email);
		const confirmation = (await host.mailbox.waitFor(next))[0]!;
		expect(confirmation.subject).toBe('Confirm your new email address');
		expect(confirmation.links.some((link) => link.startsWith(`${host.url}/user-lifecycle/email-change/confirm?token=`))).toBe(true);
		const requested = await mailSaying(user.email, 'was asked for');
		const local = next.split('@')[0]!;
		const masked = `${local.slice(0, Math.floor(local.length / 2))}*`;
		expect(requested.html).toContain(masked);
		expect(requested.html).not.toContain(next);
		expect(requested.links.some((link) => link.startsWith(`${host.url}/user-lifecycle/email-change/revert?token=`))).toBe(true);
		expect(requested.html).toMatch(/IP address: /);

		expect((await confirm(tokenOf(confirmation))).status).toBe(204);
		expect(await emailOf(user.id)).toBe(next);
		expect(await sessionsOf(user.id)).toBe(0);
		expect((await host.login(next, PASSWORD)).status).toBe(200);
		expect((await host.login(user.email, PASSWORD)).status).toBe(401);
		const changed = await mailSaying(user.email, 'is now');
		expect(changed.html).not.toContain(next);
		expect(await auditOf(user.id, 'email-changed')).toHaveLength(1);
		// Single use.
		expectCode(await confirm(tokenOf(confirmation)), 403, 'INVALID_TOKEN');
	});

	it('a de-DE user gets both mails in German', async () => {
		const user = await newUser('german', { language: 'de-DE' });
		const next = address('german-next');
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		const [confirmation] = await host.mailbox.waitFor(next);
		expect(confirmation!.subject).toBe('Neue E-Mail-Adresse bestätigen');
		expect(confirmation!.html).toContain('Adresse bestätigen');
		const notice = await mailSaying(user.email, 'Das war ich nicht');
		expect(notice.subject).toBe('Ihre E-Mail-Adresse wird geändert');
		expect(notice.html).toContain('IP-Adresse');
	});

	it('opening a link (GET) shows a page and spends nothing; the page\'s form POST confirms', async () => {
		const user = await newUser('page');
		const next = address('page-next');
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		const token = tokenOf((await host.mailbox.waitFor(next))[0]!);
		for (let i = 0; i < 2; i++) {
			const page = await fetch(`${host.url}/user-lifecycle/email-change/confirm?token=${encodeURIComponent(token)}`, { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
			expect(page.status).toBe(200);
			expect(page.headers.get('referrer-policy')).toBe('no-referrer');
			expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
			const html = await page.text();
			expect(html).toContain('Neue Adresse bestätigen');
			expect(html).not.toContain('<script');
		}
		expect(await emailOf(user.id)).toBe(user.email);
		const posted = await fetch(`${host.url}/user-lifecycle/email-change/confirm`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
			body: new URLSearchParams({ token }).toString(),
		});
		expect(posted.status).toBe(200);
		expect(await posted.text()).toContain('Done');
		expect(await emailOf(user.id)).toBe(next);
		expect(host.logs()).not.toContain(token);
		// A spent link on the page: the reason, as a page; a client that asks for no HTML gets the host's format.
		const again = await fetch(`${host.url}/user-lifecycle/email-change/confirm`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: `token=${encodeURIComponent(token)}` });
		expect(again.status).toBe(403);
		expect(await again.text()).toContain('<h1>');
		const missing = await host.api('GET', '/user-lifecycle/email-change/confirm');
		expect(missing.status).toBe(400);
		expect(missing.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
	});

	it('a free and a taken address get the same answer; confirming a taken one is 400 and changes nothing', async () => {
		const user = await newUser('taken');
		const other = await newUser('taken-other');
		const free = address('free');
		const answers = [await ask(user.token, { email: free, password: PASSWORD }), await ask(user.token, { email: other.email.toUpperCase(), password: PASSWORD })];
		expect(answers.map((a) => [a.status, a.text])).toEqual([
			[204, ''],
			[204, ''],
		]);
		const token = tokenOf((await host.mailbox.waitFor(other.email))[0]!);
		const res = await confirm(token);
		expectCode(res, 400, 'INVALID_PAYLOAD');
		expect(res.body.errors[0].message).toContain('another account');
		expect(await emailOf(user.id)).toBe(user.email);
		expect(await emailOf(other.id)).toBe(other.email);
		expect(await sessionsOf(user.id)).toBe(2);
		// The later request revoked the earlier link.
		expectCode(await confirm(tokenOf((await host.mailbox.waitFor(free))[0]!)), 403, 'INVALID_TOKEN');
	});

	it('an address taken between request and confirmation is refused at confirmation', async () => {
		const user = await newUser('race');
		const next = address('race-next');
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		const token = tokenOf((await host.mailbox.waitFor(next))[0]!);
		await host.createUser({ email: next, password: PASSWORD, role, status: 'active' });
		expectCode(await confirm(token), 400, 'INVALID_PAYLOAD');
		expect(await emailOf(user.id)).toBe(user.email);
	});

	it('the old address takes the change back: address restored, every session ends, a working reset link', async () => {
		const user = await newUser('revert');
		const next = address('revert-next');
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		expect((await confirm(tokenOf((await host.mailbox.waitFor(next))[0]!))).status).toBe(204);
		expect((await host.login(next, PASSWORD)).status).toBe(200);
		const back = tokenOf(await mailSaying(user.email, 'was asked for'));
		expect((await revert(back)).status).toBe(204);
		expect(await emailOf(user.id)).toBe(user.email);
		expect(await sessionsOf(user.id)).toBe(0);
		expect(await auditOf(user.id, 'email-change-reverted')).toHaveLength(1);
		const reset = await mailSaying(user.email, 'reset');
		expect(reset.subject).toBe('Password Reset Request');
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token: tokenOf(reset), password: NEW_PASSWORD })).status).toBe(204);
		expect((await host.login(user.email, NEW_PASSWORD)).status).toBe(200);
		expectCode(await revert(back), 403, 'INVALID_TOKEN');
	});

	it('a revert before the confirmation cancels the change', async () => {
		const user = await newUser('cancel');
		const next = address('cancel-next');
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		const pending = tokenOf((await host.mailbox.waitFor(next))[0]!);
		expect((await revert(tokenOf(await mailSaying(user.email, 'was asked for')))).status).toBe(204);
		expectCode(await confirm(pending), 403, 'INVALID_TOKEN');
		expect(await emailOf(user.id)).toBe(user.email);
	});

	it('a revert after a second change restores the first address, even after the later revert link was used', async () => {
		const user = await newUser('twice');
		const second = address('twice-b');
		const third = address('twice-c');
		expect((await ask(user.token, { email: second, password: PASSWORD })).status).toBe(204);
		expect((await confirm(tokenOf((await host.mailbox.waitFor(second))[0]!))).status).toBe(204);
		const token = await host.loginToken(second, PASSWORD);
		expect((await ask(token, { email: third, password: PASSWORD })).status).toBe(204);
		expect((await confirm(tokenOf((await host.mailbox.waitFor(third))[0]!))).status).toBe(204);
		expect(await emailOf(user.id)).toBe(third);
		// Whoever holds the second address takes its own change back first: the owner's way back stays.
		expect((await revert(tokenOf(await mailSaying(second, 'was asked for')))).status).toBe(204);
		expect(await emailOf(user.id)).toBe(second);
		expect((await revert(tokenOf(await mailSaying(user.email, 'was asked for')))).status).toBe(204);
		expect(await emailOf(user.id)).toBe(user.email);
	});

	it('an authenticator code is a proof too; a wrong code or password changes nothing and is counted', async () => {
		const user = await newUser('proofs');
		const { secret } = await enableTfa(host, user.token);
		const next = address('proofs-next');
		const wrong = await ask(user.token, { email: next, password: 'not-the-password' });
		expectCode(wrong, 401, 'INVALID_CREDENTIALS');
		const counted = await host.knex('user_lifecycle_login_attempts').where({ user_id: user.id }).first();
		expect(Number(counted.failures)).toBe(1);
		const { current } = await codes(secret);
		expectCode(await ask(user.token, { email: next, otp: wrongCode(current) }), 401, 'INVALID_OTP');
		expect(host.mailbox.to(next)).toHaveLength(0);
		expect((await ask(user.token, { email: next, otp: current })).status).toBe(204);
		await host.mailbox.waitFor(next);
		// A code is spent: the same one again is a replay.
		expectCode(await ask(user.token, { email: address('proofs-replay'), otp: current }), 401, 'INVALID_OTP');
	});

	it('bad requests are 4xx and change nothing', async () => {
		const user = await newUser('bad');
		const next = address('bad-next');
		expectCode(await ask(user.token, { email: next }), 400, 'INVALID_PAYLOAD');
		expectCode(await ask(user.token, { email: next, password: PASSWORD, otp: '123456' }), 400, 'INVALID_PAYLOAD');
		expectCode(await ask(user.token, { email: 'not-an-address', password: PASSWORD }), 400, 'INVALID_PAYLOAD');
		expectCode(await ask(user.token, { email: user.email.toUpperCase(), password: PASSWORD }), 400, 'INVALID_PAYLOAD');
		expectCode(await ask(user.token, { email: next, password: PASSWORD, confirm_url: 'https://evil.example.net/x' }), 400, 'INVALID_PAYLOAD');
		expectCode(await host.api('POST', '/user-lifecycle/email-change', { email: next, password: PASSWORD }), 401, 'INVALID_CREDENTIALS');
		expectCode(await confirm('not-a-token'), 403, 'INVALID_TOKEN');
		expectCode(await host.api('POST', '/user-lifecycle/email-change/confirm', { token: 'x', extra: 1 }), 400, 'INVALID_PAYLOAD');
		expect(host.mailbox.to(next)).toHaveLength(0);
		// An allow-listed page of the project's own gets the link.
		expect((await ask(user.token, { email: next, password: PASSWORD, confirm_url: CONFIRM_URL })).status).toBe(204);
		expect((await host.mailbox.waitFor(next))[0]!.links.some((link) => link.startsWith(`${CONFIRM_URL}?token=`))).toBe(true);
	});

	it('a user the project does not let write their own email is refused (the host\'s 403)', async () => {
		const readers = await host.createApiRole('Email readers', [{ collection: 'directus_users', action: 'read' }]);
		const { token } = await host.createApiUser(readers, address('reader'));
		expectCode(await ask(token, { email: address('reader-next'), password: PASSWORD }), 403, 'FORBIDDEN');
	});

	it('a reset link mailed before the change dies with it', async () => {
		const user = await newUser('reset');
		const next = address('reset-next');
		expect((await host.api('POST', '/user-lifecycle/password/request', { email: user.email })).status).toBe(204);
		const resetToken = tokenOf((await host.mailbox.waitFor(user.email))[0]!);
		expect((await ask(user.token, { email: next, password: PASSWORD })).status).toBe(204);
		expect((await confirm(tokenOf((await host.mailbox.waitFor(next))[0]!))).status).toBe(204);
		expectCode(await host.api('POST', '/user-lifecycle/password/reset', { token: resetToken, password: NEW_PASSWORD }), 403, 'INVALID_TOKEN');
		expect((await host.login(next, PASSWORD)).status).toBe(200);
	});
});
