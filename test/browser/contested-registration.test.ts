// A contested registration in Chromium: the victim registers, an attacker registers the same
// pending address with their own password, and the victim opens the link of the newest mail.
// The link opens the page where the mailbox holder chooses the password (its script and style
// are the extension's files, under a CSP that a page with inline code would break); the chosen
// password then signs in to the Data Studio, and neither registrant's password does.
import { describe, expect, it } from 'vitest';
import { createAppRole, hasChromium, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import type { TestHost } from '../harness/host.js';

describe.skipIf(!hasChromium)('a contested registration in the browser', { timeout: 240_000 }, () => {
	let host: TestHost;
	let studio: Studio;

	useStudioHost({ RATE_LIMITER_REGISTRATION_ENABLED: 'false', REGISTER_STALL_TIME: '50' }, async (started, browser) => {
		host = started;
		studio = browser;
		const role = await createAppRole(host, 'Registered');
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: role, auth_password_policy: '/^.{8,}$/' });
	});

	it("opens the mail's link, chooses the password on the page, and signs in with it", async () => {
		const email = 'contested.browser@example.com';
		expect((await host.api('POST', '/user-lifecycle/register', { email, password: 'victim-password-1' })).status).toBe(204);
		await host.mailbox.waitFor(email, 1);
		expect((await host.api('POST', '/user-lifecycle/register', { email, password: 'attacker-password-2' })).status).toBe(204);
		const mail = (await host.mailbox.waitFor(email, 2))[1]!;
		const link = mail.links.find((l) => l.includes('token='))!;
		expect(link.startsWith(`${host.url}/users/register/verify-email?token=`)).toBe(true);

		const page = await studio.newPage();
		const refused: string[] = [];
		page.on('console', (message) => {
			if (message.type() === 'error') refused.push(message.text());
		});
		await page.goto(link);
		await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
		expect((await host.userByEmail(email)).status).toBe('unverified');
		await screenshot(page, 'contested-registration-page');

		// Two different passwords: refused on the page, nothing sent.
		await page.getByLabel('Password', { exact: true }).fill('chosen-on-page-3');
		await page.getByLabel('The same password again').fill('something-else-4');
		await page.getByRole('button', { name: 'Verify my address' }).click();
		await expect.poll(() => page.locator('#message').textContent()).toContain('not the same');
		// Too short for the project's policy: the server's refusal is shown, the link still usable.
		await page.getByLabel('Password', { exact: true }).fill('short');
		await page.getByLabel('The same password again').fill('short');
		await page.getByRole('button', { name: 'Verify my address' }).click();
		await expect.poll(() => page.locator('#message').textContent()).toMatch(/password/i);
		expect((await host.userByEmail(email)).status).toBe('unverified');

		await page.getByLabel('Password', { exact: true }).fill('chosen-on-page-3');
		await page.getByLabel('The same password again').fill('chosen-on-page-3');
		await page.getByRole('button', { name: 'Verify my address' }).click();
		await page.getByText('Your address is verified and your password is set.').waitFor();
		await screenshot(page, 'contested-registration-done');
		expect((await host.userByEmail(email)).status).toBe('active');
		// The script ran under the page's CSP: nothing was refused. (The policy's 400 is the one error logged.)
		expect(refused.filter((text) => /Content Security Policy|Refused/i.test(text))).toEqual([]);

		expect((await host.login(email, 'attacker-password-2')).status).toBe(401);
		expect((await host.login(email, 'victim-password-1')).status).toBe(401);
		await page.getByRole('link', { name: 'Sign in' }).click();
		await page.waitForURL((url) => url.pathname.endsWith('/admin/login'));
		await signIn(page, host, email, 'chosen-on-page-3');
		expect(new URL(page.url()).pathname).not.toContain('login');

		// The link is spent: opened again, it verifies nothing and says so.
		const again = await studio.newPage();
		const answer = await again.goto(link);
		expect(answer?.status()).toBe(403);
	});
});
