// The host's own password field in the Data Studio: an admin sets a user's password on the host's
// user detail page; a common one is refused with our message, shown by the Data Studio, and nothing
// changes; a good one saves.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../scripts/host.mjs';
import { dismissAdminDialogs, hasChromium, screenshot, signIn, useStudioHost } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';

describe.skipIf(!hasChromium)("the password policy in the Data Studio's own password fields", { timeout: 240_000 }, () => {
	let host: TestHost;
	let page: Page;
	let user: string;
	const email = 'kit.studio@example.com';
	const hashOf = async () => (await host.knex('directus_users').select('password').where({ id: user }).first()).password as string;

	useStudioHost({}, async (started, browser) => {
		host = started;
		user = await host.createUser({ email, password: PASSWORD, role: await host.createApiRole('Studio members'), status: 'active' });
		page = await browser.newPage();
		await signIn(page, host, ADMIN_EMAIL, ADMIN_PASSWORD);
		await dismissAdminDialogs(page);
	});

	const setPassword = async (password: string) => {
		await page.goto(`${host.url}/admin/users/${user}`);
		const field = page.locator('input[type=password]').first();
		await field.waitFor();
		await field.fill(password);
		await page.keyboard.press('Control+s');
	};

	it("an admin setting a common password on the host's user page sees our message; nothing changes", async () => {
		const before = await hashOf();
		await setPassword('qwerty123456');
		await expect.poll(() => page.locator('body').textContent(), { timeout: 30_000 }).toContain('Password is one of the most common passwords');
		await screenshot(page, 'password-policy-user-page');
		expect(await hashOf()).toBe(before);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('a password with the user\'s own words is refused with its rule; a good one saves', async () => {
		const before = await hashOf();
		await setPassword('kit-studio-plinth');
		await expect.poll(() => page.locator('body').textContent(), { timeout: 30_000 }).toContain("Password must not contain the email address's name");
		expect(await hashOf()).toBe(before);

		await setPassword('plinth-ocelot-marigold');
		await expect.poll(hashOf, { timeout: 30_000 }).not.toBe(before);
		expect((await host.login(email, 'plinth-ocelot-marigold')).status).toBe(200);
	});
});
