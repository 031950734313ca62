// The admin's pages in the real Data Studio: invite three people and see each outcome, revoke one
// (its link then fails on the accept page), resend another (the old link dies, the new one makes
// the account); suspend a user with a reason and an end and find it in the audit trail; retry a
// mail that failed while SMTP was down, once it is back; see a user's login lock and lift it.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissAdminDialogs, hasChromium, openModule, screenshot, signIn, useStudioHost } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../scripts/host.mjs';
import { PASSWORD, type TestHost } from '../harness/host.js';

describe.skipIf(!hasChromium)("the admin's pages in the Data Studio", { timeout: 240_000 }, () => {
	let host: TestHost;
	let page: Page;
	const invitees = ['ann@example.com', 'bob@example.com', 'cy@example.net'];

	const pendingRow = (email: string) => page.locator('.pending tbody tr', { hasText: email });
	const choose = async (select: ReturnType<Page['locator']>, option: string) => {
		await select.click();
		await page.locator('.v-menu-content .v-list-item', { hasText: option }).first().click();
	};
	const acceptInBrowser = async (token: string) => {
		await page.goto(`${host.url}/admin/accept-invite?token=${encodeURIComponent(token)}`);
		await page.locator('input[type=password]').fill('a-new-password-2026');
		await page.locator('button[type=submit]').dispatchEvent('click');
	};

	useStudioHost({ USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '2', USER_LIFECYCLE_OUTBOX_BACKOFF: '200ms', USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '3' }, async (started, browser) => {
		host = started;
		// Invitees and the suspended user take no licence seat: an API-only role.
		await host.createApiRole('Members');
		page = await browser.newPage();
		await signIn(page, host, ADMIN_EMAIL, ADMIN_PASSWORD);
		await dismissAdminDialogs(page);
	});

	it('invites three emails and shows the outcome of each', async () => {
		await openModule(page, host, 'invitations', 'Invitations');
		await page.getByPlaceholder('Emails, one per line').fill(invitees.join('\n'));
		await choose(page.locator('.invite .v-select'), 'Members');
		await page.getByRole('button', { name: 'Invite 3' }).click();
		const outcomes = page.locator('.outcomes tbody tr');
		await expect.poll(() => outcomes.count()).toBe(3);
		for (const email of invitees) expect(await outcomes.filter({ hasText: email }).textContent()).toContain('invited');
		await expect.poll(() => page.locator('.pending tbody tr').count()).toBe(3);
		await screenshot(page, 'invitations');
		for (const email of invitees) expect((await host.userByEmail(email)).status).toBe('invited');
	});

	it('revokes one: its link then fails on the accept page', async () => {
		const token = await host.mailbox.tokenFor(invitees[0]!);
		await pendingRow(invitees[0]!).getByRole('button', { name: 'Revoke' }).click();
		await page.locator('.v-card', { hasText: 'Revoke the invitation of' }).getByRole('button', { name: 'Revoke' }).click();
		await expect.poll(() => pendingRow(invitees[0]!).count()).toBe(0);
		expect((await host.userByEmail(invitees[0]!)).status).toBe('archived');

		await acceptInBrowser(token);
		await expect.poll(() => page.locator('body').textContent(), { timeout: 30_000 }).toMatch(/invalid token/i);
		await screenshot(page, 'accept-invite-revoked');
		expect((await host.userByEmail(invitees[0]!)).status).toBe('archived');
	});

	it('resends another: the old link dies, the new one creates the account', async () => {
		const old = await host.mailbox.tokenFor(invitees[1]!);
		await openModule(page, host, 'invitations', 'Invitations');
		await pendingRow(invitees[1]!).getByRole('button', { name: 'Resend' }).click();
		await expect.poll(() => page.locator('.pending').textContent()).toContain(`A new link went to ${invitees[1]}`);
		const fresh = await host.mailbox.tokenFor(invitees[1]!, 2);
		expect(fresh).not.toBe(old);

		const stale = await host.api('POST', '/users/invite/accept', { token: old, password: 'a-new-password-2026' });
		expect(stale.status).toBe(403);
		expect(stale.body.errors[0].extensions.code).toBe('INVALID_TOKEN');

		await acceptInBrowser(fresh);
		await expect.poll(async () => (await host.userByEmail(invitees[1]!)).status, { timeout: 30_000 }).toBe('active');
		expect((await host.login(invitees[1]!, 'a-new-password-2026')).status).toBe(200);
	});

	it('shows a user\'s login lock and lifts it with "Unlock now"; the user logs in again', async () => {
		const role = (await host.admin('GET', '/roles?filter[name][_eq]=Members')).body.data[0].id;
		const id = await host.createUser({ email: 'lou@example.com', password: PASSWORD, role, status: 'active' });
		for (let i = 0; i < 3; i++) expect((await host.login('lou@example.com', `wrong-password-${i}`)).status).toBe(401);
		expect((await host.login('lou@example.com', PASSWORD)).status).toBe(401);
		await page.goto(`${host.url}/admin/login`);
		await openModule(page, host, 'accounts', 'Accounts');
		await page.getByPlaceholder('Email or name').fill('lou@example.com');
		await page.getByRole('button', { name: 'Search' }).click();
		await page.locator('.users tbody tr', { hasText: 'lou@example.com' }).click();
		await page.locator('.login-lock', { hasText: 'Logins locked until' }).waitFor();
		expect(await page.locator('.login-lock').textContent()).toContain('3 wrong passwords');
		await screenshot(page, 'accounts-login-lock');
		await page.getByRole('button', { name: 'Unlock now' }).click();
		await page.getByText('The login lock is lifted').waitFor();
		await expect.poll(() => page.locator('.login-lock').count()).toBe(0);
		expect((await host.login('lou@example.com', PASSWORD)).status).toBe(200);
		const adminId = (await host.admin('GET', '/users/me')).body.data.id;
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'login-unlocked' })).toMatchObject([{ actor: adminId, via: 'api' }]);
	});

	it('suspends a user with a reason and an end date, and the audit trail shows it', async () => {
		const role = (await host.admin('GET', '/roles?filter[name][_eq]=Members')).body.data[0].id;
		await host.createUser({ email: 'sam@example.com', password: PASSWORD, role, status: 'active', first_name: 'Sam' });
		await page.goto(`${host.url}/admin/login`); // leave the public page for the app again
		await openModule(page, host, 'accounts', 'Accounts');
		await page.getByPlaceholder('Email or name').fill('sam@example.com');
		await page.getByRole('button', { name: 'Search' }).click();
		await page.locator('.users tbody tr', { hasText: 'sam@example.com' }).click();
		await page.locator('.account h2', { hasText: 'sam@example.com' }).waitFor();
		await choose(page.locator('.account .v-select'), 'suspended');
		await page.getByPlaceholder('Reason (kept in the audit trail)').fill('Chargeback under review');
		await page.locator('.until input').fill('2031-01-15T09:30');
		await page.getByRole('button', { name: 'Apply' }).click();
		await expect.poll(() => page.locator('.current-status').textContent()).toBe('suspended');
		await screenshot(page, 'accounts');

		const user = await host.userByEmail('sam@example.com');
		expect(user.status).toBe('suspended');
		const event = await host.knex('user_lifecycle_events').where({ user: user.id, to: 'suspended' }).first();
		expect(event.reason).toBe('Chargeback under review');

		await openModule(page, host, 'audit', 'Audit trail');
		await page.getByPlaceholder('User (email or id)').fill('sam@');
		await page.getByRole('button', { name: 'Filter' }).click();
		const rows = page.locator('.events tbody tr');
		// The page lists every event until the filtered list has come back: wait for that list.
		const onlySams = async () => {
			const texts = await rows.allTextContents();
			return texts.length >= 1 && texts.every((text) => text.includes('sam@example.com'));
		};
		await expect.poll(onlySams).toBe(true);
		const row = rows.filter({ hasText: 'Chargeback under review' });
		expect(await row.textContent()).toContain('sam@example.com');
		expect(await row.textContent()).toContain('active → suspended');
		expect(await row.textContent()).toContain(ADMIN_EMAIL);
		// Filtered: only Sam's events.
		for (const text of await rows.allTextContents()) expect(text).toContain('sam@example.com');
		await screenshot(page, 'audit-trail');
		// The end date went with it: the suspension is timed.
		const suspension = await host.knex('user_lifecycle_suspensions').where({ user_id: user.id }).first();
		expect(new Date(Number(suspension.until)).getFullYear()).toBe(2031);
	});

	it('retries a failed mail once SMTP is back', async () => {
		const email = 'late@example.com';
		const role = (await host.admin('GET', '/roles?filter[name][_eq]=Members')).body.data[0].id;
		await host.mailbox.stop();
		expect((await host.admin('POST', '/user-lifecycle/invite', { email, role })).status).toBe(200);
		await expect
			.poll(async () => (await host.knex('user_lifecycle_outbox').where({ recipient: email }).first())?.status, { timeout: 30_000 })
			.toBe('failed');
		await host.mailbox.start();

		await openModule(page, host, 'outbox', 'Outbox');
		const row = page.locator('.mails tbody tr', { hasText: email });
		await row.waitFor();
		expect(await row.locator('.mail-error').textContent()).toMatch(/\S/);
		await screenshot(page, 'outbox');
		expect(host.mailbox.to(email)).toHaveLength(0);
		await row.getByRole('button', { name: 'Retry' }).click();
		await expect.poll(() => page.locator('.v-notice', { hasText: `A new mail to ${email}` }).count()).toBe(1);

		const token = await host.mailbox.tokenFor(email);
		expect((await host.api('POST', '/users/invite/accept', { token, password: 'a-new-password-2026' })).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
		const rows = await host.knex('user_lifecycle_outbox').where({ recipient: email }).orderBy('created_at');
		expect(rows.map((r: any) => r.status)).toEqual(['retried', 'sent']);
	});
});
