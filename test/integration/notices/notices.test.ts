// Security notices, read from real mail: a sign-in from a new device (browser family, system,
// network) and none for a known one, a password changed (own change, reset), two-factor turned
// off, recovery codes made and used, passkeys added and removed (their events emitted by a
// stand-in), in German for a de-DE user; "this wasn't me" ends every session and mails a reset
// link; the signed-in user's sign-ins with their methods.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import type { CapturedMail } from '../../harness/mailbox.js';
import { codes, enableTfa } from '../two-factor/helpers.js';
import { NOTICES_ENV } from './profile.js';

const STAND_IN = fileURLToPath(new URL('../../fixtures/directus-extension-lifecycle-stand-in', import.meta.url));
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const NEW_PASSWORD = 'a-brand-new-password';

describe.each(await availableDatabases())('security notices on %s', (db) => {
	let host: TestHost;
	let role: string;
	const address = (name: string) => `notice.${name}.${randomUUID().slice(0, 8)}@example.com`;

	const newUser = async (name: string, fields: Record<string, unknown> = {}) => {
		const email = address(name);
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active', ...fields });
		return { id, email };
	};
	/** A password login from `userAgent` at `ip` (the host trusts X-Forwarded-For here). */
	const signIn = async (email: string, userAgent: string, ip = '203.0.113.10', extra: Record<string, unknown> = {}) => {
		const res = await host.api('POST', '/auth/login', { email, password: PASSWORD, ...extra }, { headers: { 'user-agent': userAgent, 'x-forwarded-for': ip } });
		expect(res.status, res.text).toBe(200);
		return res.body.data.access_token as string;
	};
	const mailsWith = (to: string, subject: string) => host.mailbox.to(to).filter((mail) => mail.subject === subject);
	const waitForMail = async (to: string, subject: string, count = 1): Promise<CapturedMail> => {
		await expect.poll(() => mailsWith(to, subject).length, { timeout: 15_000 }).toBeGreaterThanOrEqual(count);
		return mailsWith(to, subject)[count - 1]!;
	};
	/** Lets the sign-in's work (it runs after the host answered) and the outbox settle. */
	const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));
	const standIn = (step: string, user: string) => host.admin('POST', `/lifecycle-stand-in/${step}`, { user });
	const signIns = async (token: string) => {
		const res: ApiResponse = await host.api('GET', '/user-lifecycle/sign-ins', undefined, { token });
		expect(res.status, res.text).toBe(200);
		return res.body.data as { at: string; ip: string; browser: string; method: string; new_device: boolean }[];
	};

	beforeAll(async () => {
		host = await startTestHost({ db, env: NOTICES_ENV, extraExtensions: [STAND_IN] });
		role = await host.createApiRole('Notice readers', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
	});

	afterAll(async () => {
		if (process.env['DEBUG_NOTICES']) console.log(host.logs().split('\n').filter((l) => /user-lifecycle/.test(l)).join('\n'));
		await host?.stop();
	});

	it('a new device gets a notice: not the first sign-in, not a known device, not the same /24', async () => {
		const { email } = await newUser('device');
		await signIn(email, FIREFOX);
		await signIn(email, FIREFOX);
		await signIn(email, FIREFOX, '203.0.113.77');
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(0);
		await signIn(email, CHROME);
		const notice = await waitForMail(email, 'New sign-in to your account');
		expect(notice.html).toContain('Chrome 120 on Windows');
		expect(notice.html).toContain('203.0.113.10');
		expect(notice.html).toMatch(/Signed in with:\s*password/);
		expect(notice.tokens).toHaveLength(1);
		// Another network is another device, too.
		await signIn(email, FIREFOX, '198.51.100.20');
		await waitForMail(email, 'New sign-in to your account', 2);
		await signIn(email, CHROME);
		await settle();
		expect(mailsWith(email, 'New sign-in to your account')).toHaveLength(2);
	});

	it('a de-DE user reads the notices in German', async () => {
		const { id, email } = await newUser('german', { language: 'de-DE' });
		await signIn(email, FIREFOX);
		await signIn(email, CHROME);
		const notice = await waitForMail(email, 'Neue Anmeldung bei Ihrem Konto');
		expect(notice.html).toContain('Das war ich nicht');
		expect(notice.html).toContain('Angemeldet mit');
		await standIn('passkey-added', id);
		expect((await waitForMail(email, 'Ein Passkey wurde Ihrem Konto hinzugefügt')).html).toContain('Passkey');
	});

	it('a password changed by the user or with a reset link is told', async () => {
		const { email } = await newUser('pwchange');
		const token = await signIn(email, FIREFOX);
		expect((await host.api('PATCH', '/users/me', { password: NEW_PASSWORD }, { token })).status).toBe(200);
		const own = await waitForMail(email, 'Your password was changed');
		expect(own.html).toContain('IP address');
		expect((await host.api('POST', '/user-lifecycle/password/request', { email })).status).toBe(204);
		const reset = await waitForMail(email, 'Password Reset Request');
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token: reset.tokens[0], password: PASSWORD })).status).toBe(204);
		expect((await waitForMail(email, 'Your password was changed', 2)).html).toContain('reset link');
	});

	it('recovery codes made and used, two-factor turned off; each sign-in listed with its method', async () => {
		const { email } = await newUser('tfa');
		const headers = { 'user-agent': FIREFOX, 'x-forwarded-for': '203.0.113.10' };
		const token = await signIn(email, FIREFOX);
		const { secret } = await enableTfa(host, token);
		await waitForMail(email, 'New recovery codes were made');
		const { current, next } = await codes(secret);
		const withOtp = await host.api('POST', '/auth/login', { email, password: PASSWORD, otp: current }, { headers });
		expect(withOtp.status, withOtp.text).toBe(200);
		const fresh = await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: next }, { token });
		expect(fresh.status, fresh.text).toBe(200);
		await waitForMail(email, 'New recovery codes were made', 2);
		const [first, second] = fresh.body.data.recovery_codes as string[];
		const recovery = await host.api('POST', '/user-lifecycle/login', { email, password: PASSWORD, recovery_code: first }, { headers });
		expect(recovery.status, recovery.text).toBe(200);
		await waitForMail(email, 'A recovery code was used');
		const off = await host.api('POST', '/user-lifecycle/tfa/disable', { recovery_code: second }, { token, headers });
		expect(off.status, off.text).toBe(204);
		const disabled = await waitForMail(email, 'Two-factor authentication was turned off');
		expect(disabled.html).toContain('Firefox 128 on Linux');
		await waitForMail(email, 'A recovery code was used', 2);
		await settle();
		const listed = await signIns(token);
		expect(listed.map((entry) => entry.method)).toEqual(['recovery-code', 'otp', 'password']);
		expect(listed[0]).toMatchObject({ ip: '203.0.113.10', browser: 'Firefox 128 on Linux', new_device: false });
	});

	it('passkeys added and removed, a passkey sign-in (events a stand-in emits as the passkeys will)', async () => {
		const { id, email } = await newUser('passkey');
		const token = await signIn(email, FIREFOX);
		await standIn('passkey-added', id);
		await waitForMail(email, 'A passkey was added to your account');
		await standIn('passkey-removed', id);
		await waitForMail(email, 'A passkey was removed from your account');
		await standIn('passkey-sign-in', id);
		await settle();
		expect((await signIns(token)).map((entry) => entry.method)).toEqual(['passkey', 'password']);
	});

	it('a sign-in by a mailed link is listed as one, and from a new device it is told', async () => {
		const { email } = await newUser('maillink');
		const token = await signIn(email, FIREFOX);
		const asked = await host.api('POST', '/user-lifecycle/email-sign-in/request', { email });
		expect(asked.status, asked.text).toBe(204);
		const link = (await host.mailbox.waitFor(email))[0]!.tokens[0]!;
		const verified = await host.api('POST', '/user-lifecycle/email-sign-in/verify', { token: link }, { headers: { 'user-agent': CHROME, 'x-forwarded-for': '198.51.100.9' } });
		expect(verified.status, verified.text).toBe(200);
		const notice = await waitForMail(email, 'New sign-in to your account');
		expect(notice.html).toMatch(/Signed in with:\s*email link/);
		expect(notice.html).toContain('198.51.100.9');
		expect((await signIns(token))[0]).toMatchObject({ method: 'email-link', ip: '198.51.100.9', browser: 'Chrome 120 on Windows', new_device: true });
	});

	it('"this wasn\'t me" ends every session and mails a reset link; the page alone spends nothing', async () => {
		const { id, email } = await newUser('notme');
		await signIn(email, FIREFOX);
		await signIn(email, CHROME);
		const notice = await waitForMail(email, 'New sign-in to your account');
		const token = notice.tokens[0]!;
		expect(notice.links.some((link) => link.startsWith(`${host.url}/user-lifecycle/notices/not-me?token=`))).toBe(true);
		const page = await fetch(`${host.url}/user-lifecycle/notices/not-me?token=${encodeURIComponent(token)}`);
		expect(page.status).toBe(200);
		expect(await page.text()).toContain('Sign out everywhere');
		const sessions = async () => Number((await host.knex('directus_sessions').where({ user: id }).count({ n: '*' }).first())!.n);
		expect(await sessions()).toBe(2);
		expect((await host.api('POST', '/user-lifecycle/notices/not-me', { token })).status).toBe(204);
		expect(await sessions()).toBe(0);
		const reset = await waitForMail(email, 'Password Reset Request');
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token: reset.tokens[0], password: NEW_PASSWORD })).status).toBe(204);
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'not-me' })).toHaveLength(1);
		const again = await host.api('POST', '/user-lifecycle/notices/not-me', { token });
		expect(again.status).toBe(403);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect(host.logs()).not.toContain(token);
	});

	it('the sign-in list is the caller\'s own, at most 30, newest first; anonymous callers get 401', async () => {
		const { id, email } = await newUser('list');
		const other = await newUser('list-other');
		await signIn(other.email, CHROME);
		// 31 older sign-ins on record, then a real one.
		const long = Date.now() - 3600_000;
		await host.knex('user_lifecycle_sign_ins').insert(
			Array.from({ length: 31 }, (_, i) => ({ id: randomUUID(), user_id: id, at: long + i * 1000, ip: '192.0.2.1', user_agent: CHROME, method: 'password', new_device: false })),
		);
		const token = await signIn(email, FIREFOX);
		await settle();
		const listed = await signIns(token);
		expect(listed).toHaveLength(30);
		expect([...listed].sort((a, b) => b.at.localeCompare(a.at))).toEqual(listed);
		expect(listed[0]).toMatchObject({ browser: 'Firefox 128 on Linux', ip: '203.0.113.10', method: 'password' });
		expect(listed.slice(1).every((entry) => entry.browser === 'Chrome 120 on Windows' && entry.ip === '192.0.2.1')).toBe(true);
		expect((await host.api('GET', '/user-lifecycle/sign-ins')).status).toBe(401);
		expect((await host.api('GET', '/user-lifecycle/sign-ins?limit=5', undefined, { token })).status).toBe(400);
	});
});
