// The admin's pages in the real Data Studio: invite three people and see each outcome, revoke one
// after a confirmation (its link then fails on the accept page), resend another (the old link
// dies, the new one makes the account); suspend a user with a reason and an end and find it in the
// audit trail; retry a mail that failed while SMTP was down, once it is back; see a user's login
// lock in the list and in the account, and lift it.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dismissAdminDialogs, focusIsInDialog, hasChromium, openModule, screenshot, signIn, useStudioHost } from '../harness/browser.js';
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
	/** Opens an account's drawer from the account list's search. */
	const openAccount = async (email: string) => {
		await openModule(page, host, 'accounts', 'Accounts');
		await page.getByLabel('Search by email or name').fill(email);
		await expect.poll(async () => (await page.locator('.users tbody tr').allTextContents()).every((row) => row.includes(email))).toBe(true);
		await page.locator('.users tbody tr', { hasText: email }).click();
		await page.locator('.account-drawer .current-status').waitFor();
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
		await page.getByRole('textbox', { name: 'Email addresses' }).fill(invitees.join('\n'));
		await choose(page.locator('.invite .role'), 'Members');
		await page.getByRole('button', { name: 'Invite 3' }).click();
		const outcomes = page.locator('.outcomes tbody tr');
		await expect.poll(() => outcomes.count()).toBe(3);
		for (const email of invitees) expect(await outcomes.filter({ hasText: email }).textContent()).toContain('Invited');
		await expect.poll(() => page.locator('.pending tbody tr').count()).toBe(3);
		await screenshot(page, 'invitations');
		for (const email of invitees) expect((await host.userByEmail(email)).status).toBe('invited');
	});

	it('revokes one: its link then fails on the accept page', async () => {
		const token = await host.mailbox.tokenFor(invitees[0]!);
		await pendingRow(invitees[0]!).getByRole('button', { name: 'Revoke' }).click();
		// Asked once more, with the focus in the question.
		const question = page.locator('.confirm-dialog', { hasText: `Revoke the invitation of ${invitees[0]}?` });
		await question.waitFor();
		await expect.poll(() => focusIsInDialog(page)).toBe(true);
		await question.getByRole('button', { name: 'Revoke' }).click();
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
		// The new link lives as long as the first (the default here): the list shows when it ends.
		expect(await pendingRow(invitees[1]!).locator('.date-time').textContent()).toMatch(/GMT[+-]\d/);
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
		// The lock shows in the list already, not only inside the account.
		await page.getByLabel('Search by email or name').fill('lou@example.com');
		await expect.poll(async () => (await page.locator('.users tbody tr').allTextContents()).join('|'), { timeout: 30_000 }).toMatch(/^[^|]*lou@example\.com[^|]*Logins locked[^|]*$/);
		await page.locator('.users tbody tr', { hasText: 'lou@example.com' }).click();
		await page.locator('.login-lock', { hasText: 'Locked until' }).waitFor();
		expect(await page.locator('.login-lock').textContent()).toContain('3 wrong passwords');
		await screenshot(page, 'accounts-login-lock');
		await page.getByRole('button', { name: 'Unlock now' }).click();
		await page.getByText('The login lock is lifted').waitFor();
		await expect.poll(() => page.locator('.login-lock').count(), { timeout: 30_000 }).toBe(0);
		expect((await host.login('lou@example.com', PASSWORD)).status).toBe(200);
		const adminId = (await host.admin('GET', '/users/me')).body.data.id;
		// Recorded with who lifted it and where: this module.
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'login-unlocked' })).toMatchObject([{ actor: adminId, via: 'studio' }]);
		await page.keyboard.press('Escape');
	});

	it('suspends a user with a reason and an end date, and the audit trail shows it', async () => {
		const role = (await host.admin('GET', '/roles?filter[name][_eq]=Members')).body.data[0].id;
		await host.createUser({ email: 'sam@example.com', password: PASSWORD, role, status: 'active', first_name: 'Sam' });
		await page.goto(`${host.url}/admin/login`); // leave the public page for the app again
		await openAccount('sam@example.com');
		await choose(page.locator('.account-drawer .status-select'), 'Suspended');
		await page.getByLabel('Reason (kept in the audit trail)').fill('Chargeback under review');
		await page.getByLabel('Suspended until (optional)').fill('2031-01-15T09:30');
		await page.getByRole('button', { name: 'Apply' }).click();
		// A suspension is asked once more.
		await page.locator('.confirm-dialog', { hasText: 'Suspend sam@example.com?' }).getByRole('button', { name: 'Set to Suspended' }).click();
		await expect.poll(() => page.locator('.current-status').textContent()).toBe('Suspended');
		// Its end stays in view (in the browser's zone: 09:30 there), and the list row follows.
		await expect.poll(() => page.locator('.suspended-until').textContent()).toMatch(/Jan 15, 2031 9:30:00 AM GMT\+1/);
		await expect.poll(() => page.locator('.users tbody tr', { hasText: 'sam@example.com' }).textContent()).toMatch(/Suspended.*Until.*Jan 15, 2031/s);
		await screenshot(page, 'accounts');
		await page.keyboard.press('Escape');

		const user = await host.userByEmail('sam@example.com');
		expect(user.status).toBe('suspended');
		const event = await host.knex('user_lifecycle_events').where({ user: user.id, to: 'suspended' }).first();
		expect(event.reason).toBe('Chargeback under review');

		await openModule(page, host, 'audit', 'Audit trail');
		await page.getByLabel('User (email, name or id)').fill('sam@');
		const rows = page.locator('.events tbody tr');
		// The page lists every event until the filtered list has come back: wait for that list.
		const onlySams = async () => {
			const texts = await rows.allTextContents();
			return texts.length >= 1 && texts.every((text) => text.includes('sam@example.com'));
		};
		await expect.poll(onlySams).toBe(true);
		const row = rows.filter({ hasText: 'Active → Suspended' });
		expect(await row.textContent()).toContain('sam@example.com');
		expect(await row.textContent()).toContain(ADMIN_EMAIL);
		// Filtered: only Sam's events.
		for (const text of await rows.allTextContents()) expect(text).toContain('sam@example.com');
		// The row opens the event in full: its reason, and the path (this module).
		await row.click();
		await expect.poll(() => page.locator('.event-drawer .reason').textContent()).toBe('Chargeback under review');
		expect(await page.locator('.event-drawer .path').textContent()).toBe('This module');
		await screenshot(page, 'audit-trail');
		await page.keyboard.press('Escape');
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
		// Its error, in full, in the mail's details.
		await row.click();
		expect(await page.locator('.mail-drawer .mail-error').textContent()).toMatch(/\S/);
		await page.keyboard.press('Escape');
		await screenshot(page, 'outbox');
		expect(host.mailbox.to(email)).toHaveLength(0);
		await row.getByRole('button', { name: 'Retry' }).click();
		await expect.poll(() => page.locator('.v-notice', { hasText: `A new mail to ${email}` }).count()).toBe(1);
		// Followed until it is delivered: only then does the page say so.
		await page.locator('.v-notice', { hasText: `The new mail to ${email} was handed to the mail server` }).waitFor({ timeout: 30_000 });

		const token = await host.mailbox.tokenFor(email);
		expect((await host.api('POST', '/users/invite/accept', { token, password: 'a-new-password-2026' })).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
		const rows = await host.knex('user_lifecycle_outbox').where({ recipient: email }).orderBy('created_at');
		expect(rows.map((r: any) => r.status)).toEqual(['retried', 'sent']);
	});
});
