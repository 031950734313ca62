// Passkeys in real Chromium, with the DevTools protocol's virtual authenticator (CTAP2, internal,
// resident keys, user verification): a user adds one on the Security page, signs out, signs in on
// the extension's sign-in page with it (no email typed: a discoverable credential) and lands in the
// Data Studio signed in. An email link opened in a fresh browser signs in after one click (and the
// one-time password two-factor asks for). The page runs its script under a CSP without inline code
// and never spends an email link by opening it. PUBLIC_URL is http://localhost:<port>: Chromium refuses an IP
// address as a relying party's id.
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createAppRole, hasChromium, openModule, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';
import { codes, enableTfa } from '../integration/two-factor/helpers.js';

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

		// Removed behind a confirmation naming it; the passkey sign-in minutes ago is the proof, nothing typed.
		await panel.getByRole('button', { name: 'Remove' }).click();
		const dialog = page.getByRole('alertdialog');
		await expect.poll(() => dialog.textContent()).toContain('My laptop');
		expect(await host.knex('user_lifecycle_passkeys').where({ user: userId })).toHaveLength(1);
		await dialog.locator('.confirm').click();
		await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toContain('You have no passkey yet');
		expect(await host.knex('user_lifecycle_passkeys').where({ user: userId })).toHaveLength(0);
		expect(violations).toEqual([]);
	});

	it('an email link opened in a fresh browser signs in after one click, asking for the one-time password of a two-factor user', async () => {
		const email = 'grace.link@example.com';
		const userId = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const { secret } = await enableTfa(host, await host.loginToken(email, PASSWORD));
		expect((await host.api('POST', '/user-lifecycle/email-sign-in/request', { email })).status).toBe(204);
		// The sign-in mail (security notices, e.g. the recovery codes just made, go to the same address).
		const signInLink = () => host.mailbox.to(email).flatMap((mail) => mail.links).find((l) => l.includes('/user-lifecycle/sign-in?token='));
		await expect.poll(signInLink, { timeout: 30_000 }).toBeTruthy();
		const link = signInLink()!;
		expect(new URL(link).origin).toBe(site.url);

		const page = await studio.newPage();
		const violations = cspViolations(page);
		const posted: unknown[] = [];
		page.on('request', (request) => {
			if (request.method() === 'POST') posted.push(request.url());
		});
		await page.goto(link);
		const button = page.getByRole('button', { name: 'Sign in', exact: true });
		await button.waitFor();
		expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).isVisible()).toBe(false);
		// The token left the address bar; opening the page sent nothing.
		expect(new URL(page.url()).search).toBe('');
		await page.waitForTimeout(500);
		expect(posted).toEqual([]);
		await screenshot(page, 'passkeys-email-link');

		await button.click();
		const otp = page.locator('#otp');
		await otp.waitFor({ state: 'visible' });
		await expect.poll(() => page.locator('#message').textContent()).toContain('two-factor');
		await screenshot(page, 'passkeys-email-link-otp');
		const { current } = await codes(secret);
		await otp.fill(current);
		await button.click();
		await page.waitForURL((url) => url.pathname.startsWith('/admin') && !url.pathname.endsWith('/login'), { timeout: 60_000 });
		await expect.poll(() => page.evaluate(async () => (await fetch('/users/me?fields=id', { credentials: 'include' })).status), { timeout: 30_000 }).toBe(200);
		const me = await page.evaluate(async () => (await (await fetch('/users/me?fields=id', { credentials: 'include' })).json()) as { data: { id: string } });
		expect(me.data.id).toBe(userId);
		expect(violations).toEqual([]);
	});
});
