// `npm run build`, after `directus-extension build`: the scripts of the pages the endpoint serves
// itself, bundled with what they import (@simplewebauthn/browser) into dist/, beside dist/api.js
// (the endpoint reads them from there; `files: ["dist"]` ships them in the npm package).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const PAGES = [{ entry: 'src/passkeys/page/sign-in.ts', out: 'dist/sign-in.js' }];

for (const page of PAGES) {
	await build({
		entryPoints: [join(root, page.entry)],
		outfile: join(root, page.out),
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: ['es2020'],
		minify: true,
		legalComments: 'none',
		logLevel: 'warning',
	});
	console.log(`[build-pages] ${page.out}`);
}
