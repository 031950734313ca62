// "Security" in the real Data Studio: two-factor turned on in the module (the secret also in
// groups, with a copy button) shows ten recovery codes once; one of them, typed into the OTP field
// of the Data Studio's own sign-in, gets the user in, and the count drops to nine; turning it off
// is asked once more. A user who turned it on the host's way (no codes) is told so and makes a set.
import { describe, expect, it } from 'vitest';
import { createAppRole, dismissAdminDialogs, focusIsInDialog, hasChromium, openModule, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';
import { codes } from '../integration/two-factor/helpers.js';

describe.skipIf(!hasChromium)('the Security page in the Data Studio', { timeout: 240_000 }, () => {
	let host: TestHost;
	let studio: Studio;
	let role: string;

	useStudioHost({}, async (started, browser) => {
		host = started;
		studio = browser;
		role = await createAppRole(host, 'Staff');
	});

	it('enables two-factor with a QR code, shows ten codes once, and a code signs in through the OTP field', async () => {
		const email = 'ada@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const page = await studio.newPage();
		await signIn(page, host, email, PASSWORD);
		await openModule(page, host, 'security', 'Security');
		await expect.poll(() => page.getByText('Two-factor authentication is').textContent()).toContain('off');
		await screenshot(page, 'security-off');

		await page.getByLabel('Your password').fill(PASSWORD);
		await page.getByRole('button', { name: 'Enable two-factor' }).click();
		await page.locator('.qr svg').waitFor();
		// The drawing has a name for screen readers (the SVG itself carries none).
		expect(await page.getByRole('img', { name: 'QR code of the two-factor set-up link' }).locator('svg').count()).toBe(1);
		// The secret, for people who can't scan: in groups of four, and copied whole.
		const groups = (await page.locator('.secret code').allTextContents()).map((group) => group.trim());
		expect(groups.length).toBeGreaterThan(1);
		expect(groups.every((group) => group.length <= 4)).toBe(true);
		const secret = groups.join('');
		expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
		await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
		await page.getByRole('button', { name: 'Copy the secret' }).click();
		expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
		// Where a recovery code goes at sign-in is said here already.
		expect(await page.locator('.two-factor').textContent()).toContain('Type a recovery code where the sign-in asks for the one-time password');
		await screenshot(page, 'security-enable-qr');
		const { previous } = await codes(secret);
		await page.getByLabel('Code from your app (6 digits)').fill(previous);
		await page.getByRole('button', { name: 'Verify and enable' }).click();

		const shown = page.locator('.recovery-codes code');
		await expect.poll(() => shown.count()).toBe(10);
		const recovery = (await shown.allTextContents()).map((c) => c.trim());
		expect(new Set(recovery).size).toBe(10);
		await screenshot(page, 'security-recovery-codes');
		await page.getByRole('button', { name: 'I have saved them' }).click();
		await expect.poll(() => page.locator('.remaining').textContent()).toContain('10');
		// Shown once: a reload shows the count, never the codes.
		await page.reload();
		await expect.poll(() => page.locator('.remaining').textContent()).toContain('10');
		expect(await page.locator('.recovery-codes').count()).toBe(0);
		expect(await page.content()).not.toContain(recovery[0]!);
		await screenshot(page, 'security-on');

		// Sign out, then in with a recovery code where the Data Studio asks for the one-time password.
		await page.goto(`${host.url}/admin/logout`);
		await page.waitForURL((url) => url.pathname.endsWith('/login'));
		await signIn(page, host, email, PASSWORD, recovery[3]!);
		await openModule(page, host, 'security', 'Security');
		await expect.poll(() => page.locator('.remaining').textContent()).toContain('9');
		const row = await host.userByEmail(email);
		expect(Number((await host.knex('user_lifecycle_recovery_codes').where({ user_id: row.id }).whereNull('consumed_at').count({ n: '*' }).first())!.n)).toBe(9);

		// Spent: the same code no longer signs in, and the sign-in page says "wrong one-time
		// password", as for a wrong authenticator code (not "wrong username or password").
		const again = await host.login(email, PASSWORD, { otp: recovery[3] });
		expect(again.status).toBe(401);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_OTP');
		const other = await studio.newPage();
		await other.goto(`${host.url}/admin/login`);
		await other.locator('input[type=email]').fill(email);
		await other.locator('input[type=password]').fill(PASSWORD);
		await other.locator('button[type=submit]').dispatchEvent('click');
		const field = other.locator('input[autocomplete=one-time-code]');
		await field.waitFor();
		await field.fill(recovery[3]!);
		await other.locator('button[type=submit]').dispatchEvent('click');
		await expect.poll(() => other.locator('body').textContent(), { timeout: 30_000 }).toMatch(/Wrong one-time password/i);
		expect(await other.locator('body').textContent()).not.toMatch(/Wrong username or password/i);

		// Turning it off is asked once more, with the focus in the question.
		await page.getByLabel('Code from your app (6 digits)').fill((await codes(secret)).current);
		await page.locator('.two-factor').getByRole('button', { name: 'Turn off two-factor' }).click();
		const question = page.locator('.confirm-dialog', { hasText: 'Turn off two-factor authentication?' });
		await question.waitFor();
		await expect.poll(() => focusIsInDialog(page)).toBe(true);
		await question.getByRole('button', { name: 'Cancel' }).click();
		await question.waitFor({ state: 'detached' });
		expect((await host.userByEmail(email)).tfa_secret).not.toBeNull();
		await page.locator('.two-factor').getByRole('button', { name: 'Turn off two-factor' }).click();
		await question.getByRole('button', { name: 'Turn off two-factor' }).click();
		await expect.poll(() => page.locator('.two-factor .status').textContent()).toContain('off');
		expect((await host.userByEmail(email)).tfa_secret).toBeNull();
		expect(await host.knex('user_lifecycle_events').where({ user: row.id, event: 'tfa-disabled' })).toHaveLength(1);
	});

	it("tells a user who turned two-factor on the host's way that they have no recovery codes, and makes a set", async () => {
		const email = 'grace@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		// The requests the profile's toggle makes: the host's routes (they have nowhere to show codes).
		const token = await host.loginToken(email, PASSWORD);
		const generated = await host.api('POST', '/users/me/tfa/generate', { password: PASSWORD }, { token });
		expect(generated.status).toBe(200);
		const secret: string = generated.body.data.secret;
		const step = await codes(secret);
		expect((await host.api('POST', '/users/me/tfa/enable', { secret, otp: step.previous }, { token })).status).toBe(204);

		const page = await studio.newPage();
		// The host's login takes only the current step's code: made once the field is there.
		await signIn(page, host, email, PASSWORD, async () => (await codes(secret)).current);
		await openModule(page, host, 'security', 'Security');
		const notice = page.locator('.no-codes');
		await expect.poll(() => notice.textContent()).toContain('no recovery codes');
		await screenshot(page, 'security-no-codes');

		const { next } = await codes(secret);
		await page.getByLabel('Code from your app (6 digits)').fill(next);
		await page.getByRole('button', { name: 'Make recovery codes' }).click();
		await expect.poll(() => page.locator('.recovery-codes code').count()).toBe(10);
		await page.getByRole('button', { name: 'I have saved them' }).click();
		await expect.poll(() => page.locator('.remaining').textContent()).toContain('10');
		expect(await notice.count()).toBe(0);
	});

	it('lists the sessions and signs out everywhere else', async () => {
		const page = await studio.newPage();
		await signIn(page, host, 'admin@example.com', 'admin-password-1');
		await dismissAdminDialogs(page);
		// A second session of the admin, elsewhere.
		const elsewhere = await host.login('admin@example.com', 'admin-password-1', { mode: 'session' });
		expect(elsewhere.status).toBe(200);
		await openModule(page, host, 'security', 'Security');
		const rows = page.locator('.sessions tbody tr');
		await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
		await expect.poll(() => page.locator('.sessions').textContent()).toContain('This session');
		await screenshot(page, 'security-sessions');
		// Browsers by name, not their raw user agent.
		expect(await rows.first().textContent()).toMatch(/Chrome.* on Linux/);
		await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
		// Asked once more; cancelled, nothing ends.
		const question = page.locator('.confirm-dialog', { hasText: 'Sign out all your other sessions?' });
		await question.getByRole('button', { name: 'Cancel' }).click();
		await question.waitFor({ state: 'detached' });
		expect(await rows.count()).toBeGreaterThanOrEqual(2);
		await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
		await question.getByRole('button', { name: 'Sign out everywhere else' }).click();
		await expect.poll(() => rows.count()).toBe(1);
		await page.reload();
		await openModule(page, host, 'security', 'Security');
		await expect.poll(() => page.locator('.sessions').textContent()).toContain('This session');
	});
});
