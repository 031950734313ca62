// Passkeys in real Chromium, with the DevTools protocol's virtual authenticator (CTAP2, internal,
// resident keys, user verification): a user adds one on the Security page, signs out, signs in on
// the extension's sign-in page with it (no email typed: a discoverable credential) and lands in the
// Data Studio signed in. The page runs its script under a CSP without inline code and never spends
// an email link by opening it. PUBLIC_URL is http://localhost:<port>: Chromium refuses an IP
// address as a relying party's id.
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAppRole, hasChromium, openModule, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';

/** A virtual platform authenticator in this page's browser tab. */
async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('WebAuthn.enable', { enableUI: false });
	const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
		options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
	});
	return { cdp, id: authenticatorId };
}

/** Console lines about the CSP refusing something (inline code would be). */
function cspViolations(page: Page): string[] {
	const seen: string[] = [];
	page.on('console', (message) => {
		if (/Content Security Policy|Refused to/i.test(message.text())) seen.push(message.text());
	});
	return seen;
}

describe.skipIf(!hasChromium)('passkeys in the Data Studio and on the sign-in page', { timeout: 300_000 }, () => {
	let host: TestHost;
	let studio: Studio;
	let role: string;
	/** The host as a browser sees it: PUBLIC_URL, on localhost. */
	let site: TestHost;

	useStudioHost(
		// The project puts the page first: its root URL opens it (docs/passkeys.md).
		{ USER_LIFECYCLE_EMAIL_SIGN_IN: 'true', ROOT_REDIRECT: './user-lifecycle/sign-in' },
		async (started, browser) => {
			host = started;
			studio = browser;
			site = { ...host, url: host.publicUrl };
			expect(new URL(host.publicUrl).hostname).toBe('localhost');
			role = await createAppRole(host, 'Staff (passkeys)', { read: ['directus_users'] });
			await host.setSettings({ project_name: 'Passkey Studio', project_color: '#2ECDA7' });
		},
		{ publicHostname: 'localhost' },
	);

	it('adds a passkey on the Security page, signs out, signs in with it on /user-lifecycle/sign-in and lands in the Data Studio', async () => {
		const email = 'ada.passkey@example.com';
		const userId = await host.createUser({ email, password: PASSWORD, role, status: 'active', first_name: 'Ada' });
		const page = await studio.newPage();
		const { cdp, id: authenticatorId } = await virtualAuthenticator(page);
		const violations = cspViolations(page);

		await signIn(page, site, email, PASSWORD);
		await openModule(page, site, 'security', 'Security');
		const panel = page.locator('section.passkeys');
		await expect.poll(() => panel.textContent()).toContain('You have no passkey yet');
		await panel.getByPlaceholder('Password to confirm').fill(PASSWORD);
		await panel.getByPlaceholder('Name of the new passkey (optional)').fill('Virtual key');
		await panel.getByRole('button', { name: 'Add a passkey' }).click();
		await expect.poll(() => panel.locator('.passkey-name').allTextContents(), { timeout: 30_000 }).toEqual(['Virtual key']);
		await screenshot(page, 'passkeys-added');
		const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
		expect(credentials).toHaveLength(1);
		expect(credentials[0]!.isResidentCredential).toBe(true);
		expect(credentials[0]!.rpId).toBe('localhost');
		const stored = await host.knex('user_lifecycle_passkeys').where({ user: userId });
		expect(stored).toHaveLength(1);

		// Renamed in place.
		await panel.getByRole('button', { name: 'Rename' }).click();
		const field = panel.locator('.rename input');
		await field.fill('My laptop');
		await panel.getByRole('button', { name: 'Save' }).click();
		await expect.poll(() => panel.locator('.passkey-name').allTextContents()).toEqual(['My laptop']);

		// Signed out: the Data Studio's own logout.
		await page.goto(`${site.url}/admin/logout`);
		await page.waitForURL((url) => url.pathname.endsWith('/login'));

		// The project's root URL opens the extension's page: the project's name and colour; no email typed.
		await page.goto(`${site.url}/`);
		await page.waitForURL((url) => url.pathname === '/user-lifecycle/sign-in');
		await expect.poll(() => page.locator('h1').textContent()).toBe('Passkey Studio');
		const style = (el: unknown) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor;
		expect(await page.locator('.mark').evaluate(style)).toBe('rgb(46, 205, 167)');
		expect(await page.getByRole('button', { name: 'Email me a link' }).isVisible()).toBe(true);
		await screenshot(page, 'passkeys-sign-in-page');
		await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
		await page.waitForURL((url) => url.pathname.startsWith('/admin') && !url.pathname.endsWith('/login'), { timeout: 60_000 });
		await page.waitForLoadState('networkidle').catch(() => {});
		// Signed in: the Data Studio shows the app, and the API knows the user by the session cookie.
		await expect.poll(() => page.evaluate(async () => (await fetch('/users/me', { credentials: 'include' })).status), { timeout: 30_000 }).toBe(200);
		const me = await page.evaluate(async () => (await (await fetch('/users/me?fields=id,email', { credentials: 'include' })).json()) as { data: { id: string } });
		expect(me.data.id).toBe(userId);
		await openModule(page, site, 'security', 'Security');
		await expect.poll(() => panel.locator('tbody tr').first().textContent(), { timeout: 30_000 }).not.toContain('Never');
		await screenshot(page, 'passkeys-signed-in');
		expect((await host.knex('user_lifecycle_events').where({ user: userId, event: 'passkey-sign-in' })).length).toBe(1);
		expect(violations).toEqual([]);
	});

	it('opening an email link only shows one "Sign in" button; the click POSTs the token once, and an OTP field appears when two-factor asks', async () => {
		const page = await studio.newPage();
		const violations = cspViolations(page);
		const posted: { url: string; body: unknown }[] = [];
		let answers = 0;
		// The email-sign-in routes answer as the SPEC says: first "an OTP is needed", then success.
		await page.route('**/user-lifecycle/email-sign-in/verify', async (route) => {
			posted.push({ url: route.request().url(), body: route.request().postDataJSON() });
			if (answers++ === 0) {
				await route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ errors: [{ message: 'Invalid user OTP.', extensions: { code: 'INVALID_OTP' } }] }) });
			} else {
				await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ data: { expires: 900000 } }) });
			}
		});
		await page.goto(`${site.url}/user-lifecycle/sign-in?token=a-link-token`);
		const button = page.getByRole('button', { name: 'Sign in', exact: true });
		await button.waitFor();
		expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(false);
		// The token left the address bar; nothing was sent by opening the page.
		expect(new URL(page.url()).search).toBe('');
		await page.waitForTimeout(500);
		expect(posted).toEqual([]);
		await screenshot(page, 'passkeys-email-link');

		await button.click();
		const otp = page.locator('#otp');
		await otp.waitFor({ state: 'visible' });
		expect(posted.map((p) => p.body)).toEqual([{ token: 'a-link-token', mode: 'session' }]);
		await otp.fill('123456');
		await button.click();
		await page.waitForURL((url) => url.pathname.startsWith('/admin'), { timeout: 30_000 });
		expect(posted.map((p) => p.body)).toEqual([
			{ token: 'a-link-token', mode: 'session' },
			{ token: 'a-link-token', mode: 'session', otp: '123456' },
		]);
		expect(violations).toEqual([]);
	});
});
