// Modules of the running host, as its own code resolves them: `@directus/api/<path>` (and the
// packages it depends on) from the host's entry file, so an import here is the very module
// instance the host uses (ESM caches by resolved URL). The host hands an extension its services,
// not these: its global emitter, its secret, its access rules, its cookie options.
import { createRequire } from 'node:module';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Where the host's code is resolved from: the running entry, then the project folder. */
function anchors(): string[] {
	return [process.argv[1], `${process.cwd()}/package.json`].filter((p): p is string => !!p);
}

/** The path of `@directus/api/<subpath>` (e.g. `emitter`) in the running host. */
export function hostApiPath(subpath: string): string {
	let lastError: unknown = null;
	for (const from of anchors()) {
		try {
			return realpathSync(createRequire(realpathSync(from)).resolve(`@directus/api/${subpath}`));
		} catch (error) {
			lastError = error;
		}
	}
	throw lastError ?? new Error(`@directus/api/${subpath} not found`);
}

/**
 * Imports `@directus/api/<subpath>`, or with `dependency` a package as the host's api resolves it;
 * `fits` picks the module or its default export.
 */
export async function importFromHost<T extends object>(subpath: string, fits: (module: T) => boolean, dependency?: string): Promise<{ module: T; api: string }> {
	const api = hostApiPath(subpath);
	const resolved = dependency ? createRequire(api).resolve(dependency) : api;
	const module = (await import(pathToFileURL(resolved).href)) as T & { default?: T };
	const found = fits(module) ? module : module.default;
	if (!found || !fits(found)) throw new Error(`${dependency ?? subpath}: not what the host was expected to export`);
	return { module: found, api };
}
