// The extension's sign-in page over HTTP: its HTML, script and style are ours, under a CSP that
// allows no inline code; the project's name (escaped) and colour; an email link's token goes into
// no log line and no Referer; the public sign-in routes are limited per IP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../harness/host.js';

const LIMIT = 4;

describe('the sign-in page and the public sign-in routes\' limit', () => {
	let host: TestHost;

	beforeAll(async () => {
		host = await startTestHost({ env: { USER_LIFECYCLE_PASSKEY_IP_MAX_PER_MINUTE: String(LIMIT), USER_LIFECYCLE_EMAIL_SIGN_IN: 'true' } });
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('serves its own HTML under a CSP without inline code, with the project\'s name escaped', async () => {
		await host.setSettings({ project_name: '<b>"Acme" & co</b>', project_color: '#112233' });
		const page = await host.api('GET', '/user-lifecycle/sign-in');
		expect(page.status).toBe(200);
		expect(page.headers.get('content-type')).toMatch(/^text\/html/);
		const csp = page.headers.get('content-security-policy')!;
		expect(csp).toContain("script-src 'self'");
		expect(csp).toContain("default-src 'none'");
		expect(csp).not.toContain('unsafe-inline');
		expect(csp).toContain("frame-ancestors 'none'");
		expect(page.headers.get('referrer-policy')).toBe('no-referrer');
		expect(page.headers.get('cache-control')).toBe('no-store');
		// Every script is a file; no inline style or handler either.
		const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
		expect(scripts).toHaveLength(1);
		expect(scripts[0]![1]).toContain('src="/user-lifecycle/sign-in.js"');
		expect(scripts[0]![2]).toBe('');
		expect(page.text).not.toMatch(/\son[a-z]+=|style=|<style/i);
		expect(page.text).toContain('&lt;b&gt;&quot;Acme&quot; &amp; co&lt;/b&gt;');
		expect(page.text).not.toContain('<b>"Acme"');
		expect(page.text).toContain('data-email-sign-in="true"');
		expect(page.text).toContain('Sign in with a passkey');
		expect(page.text).toContain('Email me a link');
	});

	it('serves the page\'s script (with @simplewebauthn/browser bundled in) and its style with the project\'s colour', async () => {
		const script = await host.api('GET', '/user-lifecycle/sign-in.js');
		expect(script.status).toBe(200);
		expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
		expect(script.headers.get('x-content-type-options')).toBe('nosniff');
		expect(script.text).toContain('/passkeys/sign-in/options');
		expect(script.text).toContain('/email-sign-in/verify');
		expect(script.text).toContain('navigator.credentials.get');
		const style = await host.api('GET', '/user-lifecycle/sign-in.css');
		expect(style.status).toBe(200);
		expect(style.headers.get('content-type')).toMatch(/^text\/css/);
		expect(style.text).toContain('--project-color: #112233');
		await host.setSettings({ project_color: 'red; } body { display: none' });
		expect((await host.api('GET', '/user-lifecycle/sign-in.css')).text).toContain('--project-color: #6644FF');
	});

	it('opening an email link\'s page spends nothing and its token reaches no log line', async () => {
		const token = `link-token-${Date.now()}`;
		const page = await host.api('GET', `/user-lifecycle/sign-in?token=${token}`);
		expect(page.status).toBe(200);
		expect(page.text).not.toContain(token);
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(host.logs()).not.toContain(token);
	});

	it(`the public sign-in routes answer ${LIMIT} requests per IP and minute, then the host's 429 with Retry-After`, async () => {
		const answers = [];
		for (let i = 0; i < LIMIT; i++) answers.push(await host.api('POST', '/user-lifecycle/passkeys/sign-in/options', i % 2 ? { email: 'someone@example.com' } : {}));
		expect(answers.map((a) => a.status)).toEqual(Array(LIMIT).fill(200));
		const verify = await host.api('POST', '/user-lifecycle/passkeys/sign-in/verify', { response: {} });
		expect(verify.status).toBe(429);
		expect(verify.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
		expect(Number(verify.headers.get('retry-after'))).toBeGreaterThan(0);
		// The page itself is not limited.
		expect((await host.api('GET', '/user-lifecycle/sign-in')).status).toBe(200);
	});
});
