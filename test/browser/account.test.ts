// The account on the Security page, in the real Data Studio: "Change email" with the password,
// the confirmation opened from the new address's mail in the same browser (the page asks for a
// click; the Data Studio session stays, the old address was told), and the recent sign-ins with
// their browser and method.
import { describe, expect, it } from 'vitest';
import { createAppRole, hasChromium, openModule, screenshot, signIn, useStudioHost, type Studio } from '../harness/browser.js';
import { PASSWORD, type TestHost } from '../harness/host.js';

/** A Data Studio role with the host's recommended update permission on users: its users edit their own profile, email included. */
async function accountHolders(host: TestHost): Promise<string> {
	const role = await createAppRole(host, 'Account holders');
	const [access] = (await host.admin('GET', `/access?filter[role][_eq]=${role}`)).body.data;
	const update = await host.admin('POST', '/permissions', { policy: access.policy, collection: 'directus_users', action: 'update', fields: ['*'] });
	expect(update.status, update.text).toBe(200);
	return role;
}

describe.skipIf(!hasChromium)('the account on the Security page', { timeout: 240_000 }, () => {
	const my = {} as { host: TestHost; studio: Studio; role: string };

	useStudioHost({}, async (host, studio) => void Object.assign(my, { host, studio, role: await accountHolders(host) }));

	it('changes the email: the new address confirms in the browser, the old one is told, the session stays', async () => {
		const email = 'lin@example.com';
		const next = 'lin.new@example.org';
		const id = await my.host.createUser({ email, password: PASSWORD, role: my.role, status: 'active' });
		const page = await my.studio.newPage();
		await signIn(page, my.host, email, PASSWORD);
		await openModule(page, my.host, 'security', 'Security');
		const panel = page.locator('section.email-change');
		await expect.poll(() => panel.locator('.current').textContent()).toContain(email);
		await panel.getByPlaceholder('New email address').fill(next);
		await panel.getByPlaceholder('Current password').fill(PASSWORD);
		await panel.getByRole('button', { name: 'Change email' }).click();
		await expect.poll(() => panel.locator('.sent').textContent()).toContain(next);
		await screenshot(page, 'security-email-change-sent');
		expect((await my.host.knex('directus_users').select('email').where({ id }).first()).email).toBe(email);

		const [confirmation] = await my.host.mailbox.waitFor(next);
		const link = confirmation!.links.find((href) => href.includes('/user-lifecycle/email-change/confirm?token='))!;
		await page.goto(link);
		await page.getByRole('button', { name: 'Confirm the new address' }).waitFor();
		await screenshot(page, 'email-change-confirm-page');
		// Opening it changed nothing.
		expect((await my.host.knex('directus_users').select('email').where({ id }).first()).email).toBe(email);
		await page.getByRole('button', { name: 'Confirm the new address' }).click();
		await expect.poll(() => page.locator('main').textContent()).toContain('Done');
		expect((await my.host.knex('directus_users').select('email').where({ id }).first()).email).toBe(next);

		const told = await my.host.mailbox.waitFor(email, 2);
		expect(told.some((mail) => mail.html.includes('is now'))).toBe(true);
		expect(told.every((mail) => !mail.html.includes(next))).toBe(true);

		// This browser's session was the one the confirmation came with: it stays.
		await openModule(page, my.host, 'security', 'Security');
		await expect.poll(() => page.locator('section.email-change .current').textContent()).toContain(next);
		await screenshot(page, 'security-email-changed');
	});

	it('lists the recent sign-ins with browser and method', async () => {
		const email = 'mae@example.com';
		await my.host.createUser({ email, password: PASSWORD, role: my.role, status: 'active' });
		expect((await my.host.login(email, PASSWORD)).status).toBe(200);
		const page = await my.studio.newPage();
		await signIn(page, my.host, email, PASSWORD);
		await openModule(page, my.host, 'security', 'Security');
		const rows = page.locator('section.sign-ins tbody tr');
		await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
		const text = (await page.locator('section.sign-ins').textContent()) ?? '';
		expect(text).toContain('Password');
		expect(text).toMatch(/Chrome \d+ on Linux/);
		await page.locator('section.sign-ins').scrollIntoViewIfNeeded();
		await screenshot(page, 'security-sign-ins');
	});
});
