// The real Data Studio in Debian's Chromium, driven by playwright-core (no browser download).
// Browser tests skip, with a notice, where /usr/bin/chromium is missing (.ci/run installs it).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestHost, type TestHost } from './host.js';

export const CHROMIUM = process.env['USER_LIFECYCLE_CHROMIUM'] ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[browser tests] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does it)`);

export const SCREENSHOTS = resolve(__dirname, '../browser/screenshots');
/** Where `docsScreenshot` writes with USER_LIFECYCLE_DOCS_SCREENSHOTS=1 (`npm run screenshots`). */
export const DOCS = resolve(__dirname, '../../docs');

/** The browser's clock: a timezone other than UTC, so a time read as the wrong zone shows. */
export const TIMEZONE = 'Europe/Berlin';

export interface Studio {
	/** A fresh browser profile (its own cookies and storage): one per signed-in person; in TIMEZONE unless told. */
	newPage(options?: { timezoneId?: string; locale?: string }): Promise<Page>;
	close(): Promise<void>;
}

/** Headless Chromium with a fresh user-data-dir; `newPage` opens an isolated profile each time. */
export async function launchStudio(): Promise<Studio> {
	const profiles: { context: BrowserContext; dir: string }[] = [];
	return {
		async newPage({ timezoneId = TIMEZONE, locale = 'en-US' } = {}) {
			const dir = mkdtempSync(join(tmpdir(), 'user-lifecycle-chromium-'));
			const context = await chromium.launchPersistentContext(dir, {
				executablePath: CHROMIUM,
				headless: true,
				args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
				viewport: { width: 1360, height: 900 },
				acceptDownloads: true,
				timezoneId,
				locale,
			});
			context.setDefaultTimeout(30_000);
			profiles.push({ context, dir });
			return context.pages()[0] ?? (await context.newPage());
		},
		async close() {
			for (const { context, dir } of profiles) {
				await context.close().catch(() => {});
				rmSync(dir, { recursive: true, force: true });
			}
		},
	};
}

/**
 * For one describe block: a test host serving the Data Studio (SERVE_APP, plus `env`) and a
 * headless Chromium, started before its tests and handed to `ready` (set-up goes there); both
 * stopped after the tests.
 */
export function useStudioHost(env: Record<string, string>, ready: (host: TestHost, studio: Studio) => Promise<void> | void, options: { publicHostname?: string } = {}): void {
	let host: TestHost | undefined;
	let studio: Studio | undefined;
	beforeAll(async () => {
		host = await startTestHost({ env: { SERVE_APP: 'true', ...env }, exclusive: true, publicHostname: options.publicHostname });
		studio = await launchStudio();
		await ready(host, studio);
	});
	afterAll(async () => {
		await studio?.close();
		await host?.stop();
	});
}

export async function screenshot(page: Page, name: string): Promise<void> {
	mkdirSync(SCREENSHOTS, { recursive: true });
	// Settled: no request in flight, the app's transitions over.
	await page.waitForLoadState('networkidle').catch(() => {});
	await page.waitForTimeout(600);
	await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** A page as docs/ shows it (`docs/studio-<name>.png`), refreshed only by `npm run screenshots`; always kept with the test's screenshots. */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
	await screenshot(page, `studio-${name}`);
	if (process.env['USER_LIFECYCLE_DOCS_SCREENSHOTS'] !== '1') return;
	await page.waitForTimeout(400); // drawers and dialogs fully in
	await page.screenshot({ path: join(DOCS, `studio-${name}.png`) });
}

/**
 * What a reader sees of the module is whole: no table wider than the content beside the open
 * sidebar, no cell whose text is cut (`allowCut`: values known to be longer than any column, such
 * as a long email address), no raw error, no raw code word where the pages show words.
 */
export async function expectReadable(page: Page, { allowCut = [] as string[], rawWords = [] as string[] } = {}): Promise<void> {
	await page.waitForLoadState('networkidle').catch(() => {});
	// In the page (a string: this file has no DOM types).
	const seen = (await page.evaluate(`(() => {
		const content = document.querySelector('#main-content .scrolling-container');
		const right = content ? content.getBoundingClientRect().right : window.innerWidth;
		const tables = [...document.querySelectorAll('.user-lifecycle-page .v-table')].map((table) => ({ right: table.getBoundingClientRect().right, overflow: table.scrollWidth - table.clientWidth }));
		const cells = [...document.querySelectorAll('.user-lifecycle-page .v-table td:not(.select), .user-lifecycle-page .v-table th:not(.select), .user-lifecycle-page .v-table td:not(.select) *')];
		const cut = cells.filter((cell) => cell.scrollWidth > cell.clientWidth + 1 && (cell.textContent || '').trim() !== '').map((cell) => (cell.textContent || '').trim());
		const headers = [...document.querySelectorAll('.user-lifecycle-page .v-table th')].filter((th) => th.getBoundingClientRect().right > right + 1).map((th) => (th.textContent || '').trim());
		const main = document.querySelector('#main-content');
		return { right, tables, cut, headers, text: main ? main.textContent : '' };
	})()`)) as { right: number; tables: { right: number; overflow: number }[]; cut: string[]; headers: string[]; text: string };
	for (const table of seen.tables) {
		expect(table.overflow, 'a table scrolls sideways').toBeLessThanOrEqual(1);
		expect(table.right, 'a table reaches under the sidebar').toBeLessThanOrEqual(seen.right + 1);
	}
	expect(seen.headers, 'headers off-screen').toEqual([]);
	expect(seen.cut.filter((text) => !allowCut.some((allowed) => text.includes(allowed))).join(' | '), 'cut-off values').toBe('');
	expect(seen.text).not.toMatch(/Cannot read properties|undefined is not|\[object Object\]|"errors":|INVALID_PAYLOAD|FORBIDDEN/);
	for (const word of rawWords) expect(seen.text, `raw word "${word}"`).not.toMatch(new RegExp(`(^|[^\\w-])${word}([^\\w-]|$)`));
}

/**
 * Signs in on the Data Studio's own login page; `otp` goes into its one-time-password field when it
 * asks (a function: the code is made once the field is there, so a TOTP is current when sent).
 */
export async function signIn(page: Page, host: TestHost, email: string, password: string, otp?: string | (() => Promise<string>)): Promise<void> {
	await page.goto(`${host.url}/admin/login`);
	await page.locator('input[type=email]').fill(email);
	await page.locator('input[type=password]').fill(password);
	// Not click(): it waits for the navigation the sign-in starts, which a loaded machine makes slow.
	await page.locator('button[type=submit]').dispatchEvent('click');
	if (otp !== undefined) {
		const field = page.locator('input[autocomplete=one-time-code]');
		await field.waitFor();
		if (typeof otp !== 'string') {
			// The host takes the current 30 s step's code only: one made in a step's last seconds may
			// be stale when a loaded machine gets to it. Wait for the next step then.
			const left = 30_000 - (Date.now() % 30_000);
			if (left < 8_000) await new Promise((resolve) => setTimeout(resolve, left + 250));
		}
		await field.fill(typeof otp === 'string' ? otp : await otp());
		await page.locator('button[type=submit]').dispatchEvent('click');
	}
	await page.waitForURL((url) => !url.pathname.endsWith('/login'), { timeout: 60_000 });
}

/** An admin's first sign-in: the licence dialog ("I'm using Core plan", a use, Save) and "project owner" (Remind Later). */
export async function dismissAdminDialogs(page: Page): Promise<void> {
	const core = page.getByText("I'm using Core plan");
	if (await core.isVisible({ timeout: 15_000 }).catch(() => false)) {
		await core.click();
		const card = page.locator('.v-card', { hasText: 'What are you using Directus for?' });
		await card.locator('.v-select').click();
		await page.locator('.v-menu-content .v-list-item').first().click();
		await card.getByRole('button', { name: 'Save' }).click();
		await card.waitFor({ state: 'detached' });
	}
	const later = page.getByRole('button', { name: 'Remind Later' });
	if (await later.isVisible({ timeout: 5000 }).catch(() => false)) {
		await later.click();
		await later.waitFor({ state: 'detached' });
	}
}

/** Whether the keyboard's focus is in the open confirmation dialog. */
export async function focusIsInDialog(page: Page): Promise<boolean> {
	return Boolean(await page.evaluate(`Boolean(document.activeElement && document.activeElement.closest('.confirm-dialog'))`));
}

/** Opens one page of the module and waits for its title. */
export async function openModule(page: Page, host: TestHost, path: string, title: string): Promise<void> {
	await page.goto(`${host.url}/admin/user-lifecycle/${path}`);
	await expect.poll(() => page.locator('header h1').first().textContent({ timeout: 30_000 }), { timeout: 60_000 }).toContain(title);
}

/**
 * A role whose users may use the Data Studio (one licence seat each while active; the licence
 * allows 3 with the admin); `enforce_tfa` on its policy, and read access to the `read` collections.
 */
export async function createAppRole(host: TestHost, name: string, { enforce_tfa = false, read = [] as string[] } = {}): Promise<string> {
	const policy = await host.admin('POST', '/policies', { name: `${name} policy`, app_access: true, admin_access: false, enforce_tfa });
	expect(policy.status, policy.text).toBe(200);
	for (const collection of read) {
		const permission = await host.admin('POST', '/permissions', { policy: policy.body.data.id, collection, action: 'read', fields: ['*'] });
		expect(permission.status, permission.text).toBe(200);
	}
	const role = await host.admin('POST', '/roles', { name, policies: [{ policy: policy.body.data.id }] });
	expect(role.status, role.text).toBe(200);
	return role.body.data.id;
}
