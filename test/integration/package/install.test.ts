// What users install is the packed package, not this repository: `npm pack`'s tarball goes into a
// fresh Directus project folder with a plain `npm install` (install scripts on, as in the host's
// Docker image), and a Directus started in that folder loads the extension from node_modules.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, root, startHost } from '../../../scripts/host.mjs';
import { templateOf } from '../../harness/host.js';

const PACKAGE = 'directus-extension-user-lifecycle';

describe('the packed package', () => {
	const work = mkdtempSync(join(tmpdir(), 'user-lifecycle-pack-'));
	let stop: (() => Promise<unknown>) | undefined;
	afterAll(async () => {
		await stop?.();
		rmSync(work, { recursive: true, force: true });
	});

	it('installs with a plain npm install into a Directus project folder, bringing nothing else, and the host loads it', async () => {
		const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!;
		const project = join(work, 'project');
		execFileSync('mkdir', [project]);
		writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-directus-project', private: true, dependencies: {} }));
		execFileSync('npm', ['install', '--no-audit', '--no-fund', join(work, tarball)], { cwd: project, encoding: 'utf8' });

		const installed = join(project, 'node_modules', PACKAGE);
		expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).name).toBe(PACKAGE);
		expect(existsSync(join(installed, 'dist/api.js'))).toBe(true);
		expect(existsSync(join(installed, 'dist/app.js'))).toBe(true);
		// The sign-in page's script, built beside api.js by scripts/build-pages.mjs.
		expect(existsSync(join(installed, 'dist/sign-in.js'))).toBe(true);
		// Everything it runs is bundled: no dependency comes along.
		expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual([PACKAGE]);
		expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).dependencies[PACKAGE]).toBeTruthy();

		// The host's own extensions folder stays empty: only node_modules brings ours.
		const host = await startHost({ db: 'sqlite', dir: project, ownExtension: false, template: templateOf('sqlite'), env: { SERVE_APP: 'true' } });
		stop = () => host.stop();
		const login = await fetch(`${host.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
		const token = ((await login.json()) as any).data.access_token as string;
		const extensions = (await (await fetch(`${host.url}/extensions`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
		expect(extensions.data.map((e: any) => e.schema?.name ?? e.name)).toContain(PACKAGE);
		const invites = await fetch(`${host.url}/user-lifecycle/invites`, { headers: { authorization: `Bearer ${token}` } });
		expect(invites.status).toBe(200);
		// The sign-in page and its script come from the installed package, read beside its api.js.
		const page = await fetch(`${host.url}/user-lifecycle/sign-in`);
		expect(page.status).toBe(200);
		expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
		const script = await fetch(`${host.url}/user-lifecycle/sign-in.js`);
		expect(script.status).toBe(200);
		expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
		expect(await script.text()).toBe(readFileSync(join(installed, 'dist/sign-in.js'), 'utf8'));
		// The Data Studio's side: the host bundles our module and interface into its app extensions.
		const app = await fetch(`${host.url}/extensions/sources/index.js`);
		expect(app.status).toBe(200);
		const appSource = await app.text();
		for (const id of ['"user-lifecycle"', '"user-lifecycle-account"']) expect(appSource).toContain(id);
		expect(host.logs()).not.toMatch(/Couldn't load|failed to load/i);
	});
});
