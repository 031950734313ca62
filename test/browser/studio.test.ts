// The module as an admin meets it in Chromium, in Europe/Berlin, at 1360×900 with the sidebar
// open: it is in the module bar after install; a text box cleared with the keyboard brings the
// full list back; one event shows one time on every page; a bulk invite with a malformed address
// answers per address; a destructive step is asked once more; the audit trail pages past 200
// events; a retry that can't be delivered never says it was; every page reads whole, in English
// and in German; a user without the permission sees words, not the host's error.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAppRole, dismissAdminDialogs, docsScreenshot, expectReadable, focusIsInDialog, hasChromium, openModule, signIn, TIMEZONE, useStudioHost, type Studio } from '../harness/browser.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../scripts/host.mjs';
import { PASSWORD, type TestHost } from '../harness/host.js';
import { enableTfa } from '../integration/two-factor/helpers.js';

/** Raw code words the pages never show (they show words for them). */
const RAW = ['tfa-reset', 'tfa-enabled', 'login-locked', 'login-unlocked', 'sessions-ended', 'verify-email', 'recovery-code-used'];
/** A known long address, longer than any column: cut with an ellipsis, whole in its drawer. */
const LONG = 'dan.with.a.rather.long.address@example.org';
const LONG_NAME = LONG.split('@')[0]!;

describe.skipIf(!hasChromium)('the module in the Data Studio, as an admin meets it', { timeout: 300_000 }, () => {
	let host: TestHost;
	let page: Page;
	let role: string;
	let sam: string;
	let adminId: string;

	const readAll = async (path: string) => (await host.admin('GET', path)).body;
	const clearWithKeyboard = async (input: ReturnType<Page['locator']>) => {
		await input.click();
		await page.keyboard.press('ControlOrMeta+A');
		await page.keyboard.press('Backspace');
	};
	const countText = () => page.locator('.footer .count').textContent();
	const pageErrors: string[] = [];

	useStudioHost({ USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '1', USER_LIFECYCLE_OUTBOX_BACKOFF: '200ms' }, async (started, browser) => {
		host = started;
		// People who take no licence seat: an API-only role.
		role = await host.createApiRole('Members', [{ collection: 'directus_users', action: 'read' }]);
		sam = await host.createUser({ email: 'sam@example.com', password: PASSWORD, role, status: 'active', first_name: 'Sam', last_name: 'Weber' });
		await host.createUser({ email: 'carol@example.com', password: PASSWORD, role, status: 'active', first_name: 'Carol', last_name: 'Meyer' });
		await host.createUser({ email: LONG, password: PASSWORD, role, status: 'active', first_name: 'Dan', last_name: 'Smith' });
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
		page = await browser.newPage();
		page.on('pageerror', (error) => pageErrors.push(error.message));
		await signIn(page, host, ADMIN_EMAIL, ADMIN_PASSWORD);
		await dismissAdminDialogs(page);
	});

	it('is in the module bar after install, without a visit to the settings', async () => {
		await page.goto(`${host.url}/admin/content`);
		const link = page.locator('.module-bar a[href*="user-lifecycle"]');
		await link.waitFor();
		await link.click();
		await expect.poll(() => page.locator('header h1').first().textContent()).toContain('Security');
		const bar = (await readAll('/settings')).data.module_bar as { id: string; enabled: boolean }[];
		expect(bar.find((item) => item.id === 'user-lifecycle')?.enabled).toBe(true);
	});

	it('a text box cleared with select-all and Backspace brings the full list back, without an error', async () => {
		await host.admin('POST', `/user-lifecycle/users/${sam}/status`, { status: 'suspended', reason: 'to be found' });
		await openModule(page, host, 'audit', 'Audit trail');
		await expect.poll(countText).toMatch(/of \d+/);
		const full = await countText();
		const filter = page.locator('.user-filter input');
		await filter.fill('sam@');
		await expect.poll(async () => (await page.locator('.events tbody tr').allTextContents()).every((row) => row.includes('sam@example.com'))).toBe(true);
		expect(await countText()).not.toBe(full);
		await clearWithKeyboard(filter);
		await expect.poll(countText).toBe(full);
		expect(await page.locator('.v-notice.error').count()).toBe(0);

		await openModule(page, host, 'accounts', 'Accounts');
		await expect.poll(countText).toMatch(/of \d+/);
		const everyone = await countText();
		const search = page.locator('.header-search input');
		// Two words, across first and last name.
		await search.fill('Carol Meyer');
		await expect.poll(() => page.locator('.users tbody tr').count()).toBe(1);
		expect(await page.locator('.users tbody tr').textContent()).toContain('carol@example.com');
		await clearWithKeyboard(search);
		await expect.poll(countText).toBe(everyone);
		expect(await page.locator('.v-notice.error').count()).toBe(0);

		await openModule(page, host, 'invitations', 'Invitations');
		const lifetime = page.getByLabel('Link valid for');
		await lifetime.fill('3d');
		await clearWithKeyboard(lifetime);
		await page.getByRole('textbox', { name: 'Email addresses' }).fill('cleared-lifetime@example.com');
		await chooseRole(page, 'Members');
		const invite = page.getByRole('button', { name: 'Invite one' });
		await expect.poll(() => invite.isEnabled()).toBe(true);
		await invite.click();
		await expect.poll(() => page.locator('.outcomes tbody tr').count()).toBe(1);
		expect(await page.locator('.v-notice.error').count()).toBe(0);
		expect((await host.userByEmail('cleared-lifetime@example.com')).status).toBe('invited');
		expect(pageErrors.filter((message) => /trim|null/.test(message))).toEqual([]);
	});

	it('a bulk invite with a malformed address invites the others and shows each outcome', async () => {
		await openModule(page, host, 'invitations', 'Invitations');
		await page.getByRole('textbox', { name: 'Email addresses' }).fill(['new-one@example.com', 'not-an-address', 'new-two@example.com', 'sam@example.com'].join('\n'));
		await chooseRole(page, 'Members');
		await page.getByRole('button', { name: 'Invite 4' }).click();
		const rows = page.locator('.outcomes tbody tr');
		await expect.poll(() => rows.count()).toBe(4);
		expect(await rows.filter({ hasText: 'not-an-address' }).textContent()).toMatch(/Invalid.*not a valid email address/);
		expect(await rows.filter({ hasText: 'new-one@example.com' }).textContent()).toContain('Invited');
		expect(await rows.filter({ hasText: 'sam@example.com' }).textContent()).toMatch(/Skipped.*already suspended/);
		expect(await page.locator('.summary').textContent()).toContain('Invited: 2');
		for (const email of ['new-one@example.com', 'new-two@example.com']) expect((await host.userByEmail(email)).status).toBe('invited');
		expect(await page.locator('.v-notice.error').count()).toBe(0);
		await expectReadable(page, { rawWords: RAW });
		await docsScreenshot(page, 'invitations');
	});

	it(`one event shows one time on the audit and the accounts pages, in the browser's zone (${TIMEZONE})`, async () => {
		const reason = 'same time everywhere';
		expect((await host.admin('POST', `/user-lifecycle/users/${sam}/status`, { status: 'active', reason })).status).toBe(200);
		const event = (await readAll(`/user-lifecycle/events?user=${sam}&limit=1`)).data[0];
		expect(event.reason).toBe(reason);
		const berlin = new Intl.DateTimeFormat('en-US', { timeZone: TIMEZONE, hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(new Date(event.at));

		await openModule(page, host, 'audit', 'Audit trail');
		const auditRow = page.locator('.events tbody tr', { hasText: 'sam@example.com' }).first();
		await auditRow.waitFor();
		const onAudit = (await auditRow.locator('.date-time').textContent())!.replace(/\s+/g, ' ').trim();
		expect(onAudit).toContain(berlin);
		expect(onAudit).toMatch(/GMT[+-]\d/);
		// The row opens the event in full.
		await auditRow.click();
		await expect.poll(() => page.locator('.event-drawer .reason').textContent()).toBe(reason);
		await docsScreenshot(page, 'audit-event');
		await page.keyboard.press('Escape');

		await openModule(page, host, 'accounts', 'Accounts');
		await page.locator('.users tbody tr', { hasText: 'sam@example.com' }).click();
		const historyRow = page.locator('.account-drawer .history tbody tr').first();
		await expect.poll(() => historyRow.textContent()).toContain('Suspended → Active');
		expect((await historyRow.locator('.date-time').textContent())!.replace(/\s+/g, ' ').trim()).toBe(onAudit);
		await page.keyboard.press('Escape');
	});

	it('a destructive step is asked once more, with the focus in the question; a user without two-factor has nothing to reset', async () => {
		const { id, token } = await host.createApiUser(role, 'second-factor@example.com');
		await enableTfa(host, token);
		await openModule(page, host, 'accounts', 'Accounts');
		await page.locator('.header-search input').fill('second-factor@');
		await expect.poll(() => page.locator('.users tbody tr').count()).toBe(1);
		await page.locator('.users tbody tr', { hasText: 'second-factor@example.com' }).click();
		const reset = page.locator('.account-drawer .reset-tfa button, .account-drawer button.reset-tfa').first();
		await page.locator('.account-drawer .current-status').waitFor();
		await expect.poll(() => page.locator('.account-drawer .two-factor').textContent()).toBe('On');
		await reset.click();
		const dialog = page.locator('.confirm-dialog', { hasText: 'Reset the two-factor authentication of second-factor@example.com?' });
		await dialog.waitFor();
		await expect.poll(() => focusIsInDialog(page)).toBe(true);
		await docsScreenshot(page, 'accounts-confirm');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await dialog.waitFor({ state: 'detached' });
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).not.toBeNull();

		await reset.click();
		await page.locator('.confirm-dialog').getByRole('button', { name: 'Reset two-factor' }).click();
		await page.locator('.account-drawer .message', { hasText: 'Two-factor is reset' }).waitFor();
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
		await expect.poll(() => page.locator('.account-drawer .two-factor').textContent()).toBe('Off');
		// Nothing left to reset: the step is not offered, and nothing was audited twice.
		expect(await reset.isDisabled()).toBe(true);
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'tfa-reset' })).toHaveLength(1);

		// Archiving is asked too; cancelled, nothing changes.
		await page.locator('.account-drawer .status-select').click();
		await page.locator('.v-menu-content .v-list-item', { hasText: 'Archived' }).click();
		await expect.poll(() => page.locator('.account-drawer .status-select input').inputValue()).toBe('Archived');
		await page.locator('.account-drawer').getByRole('button', { name: 'Apply' }).click();
		const archive = page.locator('.confirm-dialog', { hasText: 'Archive second-factor@example.com?' });
		await archive.waitFor();
		await archive.getByRole('button', { name: 'Cancel' }).click();
		expect((await host.userByEmail('second-factor@example.com')).status).toBe('active');
		await page.keyboard.press('Escape');
	});

	it('the audit trail pages past 200 events, with the count', async () => {
		for (let i = 0; i < 230; i++) await host.admin('POST', `/user-lifecycle/users/${sam}/status`, { status: i % 2 === 0 ? 'suspended' : 'active', reason: `round ${i}` });
		const total = (await readAll('/user-lifecycle/events?limit=1')).meta.filter_count as number;
		expect(total).toBeGreaterThan(230);
		await openModule(page, host, 'audit', 'Audit trail');
		await expect.poll(countText).toBe(`1–100 of ${total}`);
		await page.locator('.v-pagination').getByRole('button', { name: '3' }).click();
		await expect.poll(countText).toBe(`201–${Math.min(300, total)} of ${total}`);
		await expect.poll(() => page.locator('.events tbody tr').count()).toBe(Math.min(100, total - 200));
		await expectReadable(page, { allowCut: [LONG_NAME], rawWords: RAW });
		await docsScreenshot(page, 'audit');
	});

	it('a retry while mail cannot be delivered says so, and its error stays', async () => {
		const email = 'undeliverable@reject.example.net';
		expect((await host.admin('POST', '/user-lifecycle/invite', { email, role })).status).toBe(200);
		await expect.poll(async () => (await host.knex('user_lifecycle_outbox').where({ recipient: email }).first())?.status, { timeout: 30_000 }).toBe('failed');
		await openModule(page, host, 'outbox', 'Outbox');
		const row = page.locator('.mails tbody tr', { hasText: email });
		await row.getByRole('button', { name: 'Retry' }).click();
		await page.locator('.v-notice', { hasText: `A new mail to ${email} is queued` }).waitFor();
		await page.locator('.v-notice', { hasText: `The new mail to ${email} failed too` }).waitFor({ timeout: 30_000 });
		expect(await page.locator('.v-notice', { hasText: 'handed to the mail server' }).count()).toBe(0);
		// The list reloaded; the outcome is still there, and the retried row leads to its new mail.
		await page.locator('.status').click();
		await page.locator('.v-menu-content .v-list-item', { hasText: 'All' }).click();
		const retried = page.locator('.mails tbody tr', { hasText: email }).filter({ hasText: 'Sent again' });
		await retried.getByRole('button', { name: 'Open the new mail' }).click();
		await expect.poll(() => page.locator('.mail-drawer .drawer-status').textContent()).toBe('Failed');
		expect(await page.locator('.v-notice', { hasText: 'failed too' }).count()).toBe(1);
		await docsScreenshot(page, 'outbox');
		await page.keyboard.press('Escape');

		// A retry the API refuses (the invitation was revoked meanwhile): its reason stays in view
		// after the list reloads, and nothing claims a new mail.
		const revoked = 'revoked@reject.example.net';
		expect((await host.admin('POST', '/user-lifecycle/invite', { email: revoked, role })).status).toBe(200);
		await expect.poll(async () => (await host.knex('user_lifecycle_outbox').where({ recipient: revoked }).first())?.status, { timeout: 30_000 }).toBe('failed');
		expect((await host.admin('POST', '/user-lifecycle/invite/revoke', { user: (await host.userByEmail(revoked)).id })).status).toBe(204);
		await openModule(page, host, 'outbox', 'Outbox');
		await page.locator('.mails tbody tr', { hasText: revoked }).getByRole('button', { name: 'Retry' }).click();
		const refusal = page.locator('.v-notice.error', { hasText: `${revoked}:` }).filter({ hasText: 'has no pending invitation' });
		await refusal.waitFor();
		await page.waitForTimeout(1500);
		expect(await refusal.count()).toBe(1);
		expect(await page.locator('.v-notice', { hasText: 'is queued' }).count()).toBe(0);
		expect((await host.knex('user_lifecycle_outbox').where({ recipient: revoked }).first()).status).toBe('failed');

		// Several at once: selected, retried, each followed.
		const pair = ['bulk-one@reject.example.net', 'bulk-two@reject.example.net'];
		expect((await host.admin('POST', '/user-lifecycle/invite', { email: pair, role })).status).toBe(200);
		for (const to of pair) await expect.poll(async () => (await host.knex('user_lifecycle_outbox').where({ recipient: to }).first())?.status, { timeout: 30_000 }).toBe('failed');
		await openModule(page, host, 'outbox', 'Outbox');
		for (const to of pair) await page.locator('.mails tbody tr', { hasText: to }).locator('td.select').click();
		await page.getByRole('button', { name: 'Retry 2 selected' }).click();
		await page.locator('.v-notice', { hasText: 'Retried: 2 · refused: 0' }).waitFor();
		for (const to of pair) await page.locator('.v-notice', { hasText: `The new mail to ${to} failed too` }).waitFor({ timeout: 30_000 });
		for (const to of pair) expect((await host.knex('user_lifecycle_outbox').where({ recipient: to }).orderBy('created_at').first()).status).toBe('retried');
	});

	it('a resend keeps the lifetime the link was given (3 days stay 3 days)', async () => {
		const email = 'three-days@example.com';
		await openModule(page, host, 'invitations', 'Invitations');
		await page.getByRole('textbox', { name: 'Email addresses' }).fill(email);
		await chooseRole(page, 'Members');
		await page.getByLabel('Link valid for').fill('3d');
		await page.getByRole('button', { name: 'Invite one' }).click();
		const row = page.locator('.pending tbody tr', { hasText: email });
		await row.waitFor();
		const expiry = async () => Date.parse((await readAll('/user-lifecycle/invites')).data.find((i: { email: string }) => i.email === email).expires_at);
		const first = await expiry();
		await row.getByRole('button', { name: 'Resend' }).click();
		await page.locator('.pending .message', { hasText: `A new link went to ${email}` }).waitFor();
		const second = await expiry();
		expect(second).toBeGreaterThanOrEqual(first);
		expect(second - Date.now()).toBeLessThanOrEqual(3 * 86_400_000);
		const day = new Intl.DateTimeFormat('en-US', { timeZone: TIMEZONE, month: 'short', day: 'numeric', year: 'numeric' }).format(new Date(second));
		expect(await row.locator('.date-time').textContent()).toContain(day);
	});

	it('every page reads whole in English, then in German when the admin picks German', async () => {
		// A running login lock and a timed suspension, so the account list shows both.
		for (let i = 0; i < 10; i++) await host.login('carol@example.com', `wrong-${i}`);
		const carol = (await host.userByEmail('carol@example.com')).id;
		await host.admin('POST', `/user-lifecycle/users/${carol}/status`, { status: 'suspended', reason: 'Chargeback under review', until: new Date(Date.now() + 3 * 86_400_000).toISOString() });
		// The host's own Users page tells of both, and leads to the account in the module.
		await page.goto(`${host.url}/admin/users/${carol}`);
		const panel = page.locator('.user-lifecycle-account');
		await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toContain('Suspended until');
		expect(await panel.textContent()).toMatch(/Locked until .*10 wrong passwords/);
		await panel.locator('.open').click();
		await expect.poll(() => page.locator('.account-drawer .current-status').textContent()).toBe('Suspended');
		expect(await page.locator('.account-drawer .suspended-until').textContent()).toMatch(/GMT\+1/);
		await page.keyboard.press('Escape');

		const pages = [
			['security', 'Security', 'Sicherheit'],
			['invitations', 'Invitations', 'Einladungen'],
			['accounts', 'Accounts', 'Konten'],
			['audit', 'Audit trail', 'Protokoll'],
			['outbox', 'Outbox', 'Postausgang'],
		] as const;
		for (const [path, title] of pages) {
			await openModule(page, host, path, title);
			await expectReadable(page, { allowCut: [LONG, LONG_NAME], rawWords: RAW });
			if (path === 'accounts') {
				const row = page.locator('.users tbody tr', { hasText: 'carol@example.com' });
				const seen = await row.textContent();
				for (const words of ['Suspended', 'Until', 'Logins locked']) expect(seen).toContain(words);
				await docsScreenshot(page, 'accounts');
			}
			if (path === 'security') await docsScreenshot(page, 'security');
		}

		expect((await host.admin('PATCH', `/users/${adminId}`, { language: 'de-DE' })).status).toBe(200);
		await page.goto(`${host.url}/admin/user-lifecycle/security`);
		for (const [path, , titel] of pages) {
			await openModule(page, host, path, titel);
			await expectReadable(page, { allowCut: [LONG, LONG_NAME], rawWords: [...RAW, 'Suspended', 'Active', 'Invited'] });
			const nav = await page.locator('.module-pages').textContent();
			expect(nav).toContain('Einladungen');
			expect(nav).not.toContain('Invitations');
			if (path === 'accounts') {
				const row = page.locator('.users tbody tr', { hasText: 'carol@example.com' });
				expect(await row.textContent()).toContain('Gesperrt');
				expect(await row.textContent()).toContain('Login gesperrt');
				expect(await page.locator('.v-table th').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Anmeldesperre')]));
				await docsScreenshot(page, 'accounts-de');
			}
			if (path === 'security') {
				// The passkeys, email-change and recent sign-ins panels too.
				await expect.poll(() => page.locator('section.sign-ins').textContent(), { timeout: 30_000 }).toContain('Letzte Anmeldungen');
				const seen = (await page.locator('section.passkeys, section.email-change, section.sign-ins').allTextContents()).join(' ');
				for (const words of ['Passkey hinzufügen', 'E-Mail-Adresse', 'E-Mail ändern', 'Zeitpunkt', 'Methode']) expect(seen).toContain(words);
				for (const words of ['Add a passkey', 'Email address', 'Change email', 'Recent sign-ins', 'Browser and IP', 'Password and', 'Unknown browser']) expect(seen).not.toContain(words);
				await docsScreenshot(page, 'security-de');
			}
			if (path === 'audit') {
				await expect.poll(async () => (await page.locator('.events tbody tr').allTextContents()).join(' ')).toContain('Aktiv → Gesperrt');
				expect((await page.locator('.events tbody tr').allTextContents()).join(' ')).toContain('Anmeldung gesperrt');
				// The host's German date format: day before month.
				expect(await page.locator('.events tbody tr .date-time').first().textContent()).toMatch(/\d{1,2} \S+ \d{4}/);
			}
		}
		expect((await host.admin('PATCH', `/users/${adminId}`, { language: null })).status).toBe(200);
	});
});

describe.skipIf(!hasChromium)('the module for a user without the permissions', { timeout: 240_000 }, () => {
	let host: TestHost;
	let studio: Studio;

	useStudioHost({}, async (started, browser) => {
		host = started;
		studio = browser;
	});

	it('a page opened by URL without its permission says so in words; its own Security page works', async () => {
		const role = await createAppRole(host, 'Staff');
		await host.createUser({ email: 'staff@example.com', password: PASSWORD, role, status: 'active' });
		const page = await studio.newPage();
		await signIn(page, host, 'staff@example.com', PASSWORD);
		for (const [path, title] of [['outbox', 'Outbox'], ['audit', 'Audit trail'], ['accounts', 'Accounts']] as const) {
			await openModule(page, host, path, title);
			await page.locator('.no-access').waitFor();
			expect(await page.locator('.no-access').textContent()).toContain("You don't have access to this page");
			await expectReadable(page);
		}
		const nav = await page.locator('.module-pages').textContent();
		expect(nav).toContain('Security');
		expect(nav).not.toContain('Outbox');
		await openModule(page, host, 'security', 'Security');
		await expect.poll(() => page.locator('.two-factor .status').textContent()).toContain('off');
		expect(await page.locator('.user-lifecycle-page').textContent()).toContain('Type a recovery code where the sign-in asks for the one-time password');
	});
});

async function chooseRole(page: Page, name: string): Promise<void> {
	await page.locator('.invite .role').click();
	await page.locator('.v-menu-content .v-list-item', { hasText: name }).first().click();
}
