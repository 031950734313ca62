// Two-factor enforced (a policy's `enforce_tfa`), in the real Data Studio: a user who must use it
// and hasn't set it up is refused data on the API (403 TFA_REQUIRED) but the Data Studio still
// loads far enough to show the host's own set-up page; set-up there opens the API.
import { describe, expect, it } from 'vitest';
import { createAppRole, hasChromium, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';
import { codes } from '../integration/two-factor/helpers.js';

describe.skipIf(!hasChromium)('two-factor enforcement in the Data Studio', { timeout: 300_000 }, () => {
	let host: TestHost;
	let studio: Studio;
	let role: string;

	useStudioHost({}, async (started, browser) => {
		host = started;
		studio = browser;
		role = await createAppRole(host, 'Staff (2FA)', { enforce_tfa: true, read: ['directus_users'] });
	});

	it('refuses data on the API, shows the set-up page in the Data Studio, and opens up once set up there', async () => {
		const email = 'grace@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const token = await host.loginToken(email, PASSWORD);
		const refused = await host.api('GET', '/users', undefined, { token });
		expect(refused.status).toBe(403);
		expect(refused.body.errors[0].extensions.code).toBe('TFA_REQUIRED');
		expect((await host.api('GET', '/users/me', undefined, { token })).status).toBe(200);

		const page = await studio.newPage();
		await signIn(page, host, email, PASSWORD);
		await page.waitForURL((url) => url.pathname.endsWith('/tfa-setup'), { timeout: 60_000 });
		await screenshot(page, 'enforcement-tfa-setup');

		// The host's set-up page: the password first, then the secret (shown under the QR code) and a code.
		await page.getByPlaceholder('Password', { exact: true }).fill(PASSWORD);
		await page.getByRole('button', { name: 'Next' }).click();
		const secretText = page.getByText(/^[A-Z2-7]{16,}$/).first();
		await secretText.waitFor({ timeout: 30_000 });
		await screenshot(page, 'enforcement-tfa-secret');
		const secret = (await secretText.textContent())!.trim();
		const { current } = await codes(secret);
		await page.getByPlaceholder('One-Time Password').fill(current);
		await page.getByRole('button', { name: 'Done' }).click();
		await page.waitForURL((url) => !url.pathname.endsWith('/tfa-setup'), { timeout: 60_000 });
		await screenshot(page, 'enforcement-after-setup');

		expect((await host.userByEmail(email)).tfa_secret).toBeTruthy();
		const after = await host.api('GET', '/users', undefined, { token });
		expect(after.status, after.text).toBe(200);
	});
});
