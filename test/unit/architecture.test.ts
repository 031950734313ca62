// The layout's rules, checked on the source: src/ is a list of capabilities plus shared/; the
// arrows point one way (entries -> capabilities -> shared); no capability reaches into another;
// no import cycle (type-only imports included); shared/ holds only what several capabilities use.
// src/module/ is the Data Studio's side (runs in
// the browser): it imports nothing from the API side, and the API side nothing from it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../src');
const ENTRIES = new Set(['endpoint.ts', 'hook.ts', 'capabilities.ts']);
/** The entries' own plumbing (schedule, GraphQL door, request middleware): entry-level, no capability. */
const BUNDLE = 'bundle';
const isEntry = (file: string) => ENTRIES.has(file) || file.split('/')[0] === BUNDLE;
const APP = 'module';

function files(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? files(path) : /\.(ts|vue)$/.test(path) ? [path] : [];
	});
}

const graph = new Map<string, string[]>();
for (const file of files(SRC)) {
	const source = readFileSync(file, 'utf8');
	const targets = [...source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(SRC, resolve(dirname(file), /\.(vue|ts)$/.test(m[1]!) ? m[1]! : `${m[1]!.replace(/\.js$/, '')}.ts`)));
	graph.set(relative(SRC, file), targets);
}
const top = (path: string) => path.split('/')[0]!;

describe('architecture', () => {
	it('src/ holds the entries, the capabilities and shared/ only', () => {
		const loose = [...graph.keys()].filter((f) => !f.includes('/') && !ENTRIES.has(f));
		expect(loose).toEqual([]);
	});

	it('shared/ never imports a capability or an entry', () => {
		const upward = [...graph].flatMap(([from, to]) => (top(from) === 'shared' ? to.filter((t) => top(t) !== 'shared').map((t) => `${from} -> ${t}`) : []));
		expect(upward).toEqual([]);
	});

	it('no capability imports another capability or an entry', () => {
		const sideways = [...graph].flatMap(([from, to]) => {
			if (isEntry(from) || top(from) === 'shared') return [];
			return to.filter((t) => top(t) !== 'shared' && top(t) !== top(from)).map((t) => `${from} -> ${t}`);
		});
		expect(sideways).toEqual([]);
	});

	it('the Data Studio module and the API side share no code', () => {
		const crossing = [...graph].flatMap(([from, to]) => to.filter((t) => (top(from) === APP) !== (top(t) === APP)).map((t) => `${from} -> ${t}`));
		expect(crossing).toEqual([]);
		expect([...graph.keys()].some((f) => top(f) === APP && f.endsWith('.vue'))).toBe(true);
	});

	// A shared file's owners are the capabilities that import it, directly or through other shared
	// files (transitively); the entries (endpoint, hook, capabilities) are no capability. A file
	// with one owner belongs in that capability's folder; one with none is the entries' plumbing.
	it('no file in shared/ is imported by only one capability', () => {
		const importers = new Map<string, string[]>();
		for (const [from, to] of graph) for (const t of to) importers.set(t, [...(importers.get(t) ?? []), from]);
		const owners = (file: string, seen = new Set([file])): Set<string> => {
			const found = new Set<string>();
			for (const from of importers.get(file) ?? []) {
				if (isEntry(from)) continue;
				if (top(from) !== 'shared') found.add(top(from));
				else if (!seen.has(from)) for (const owner of owners(from, seen.add(from))) found.add(owner);
			}
			return found;
		};
		const singleOwned = [...graph.keys()].filter((f) => top(f) === 'shared').flatMap((f) => {
			const found = [...owners(f)];
			return found.length === 1 ? [`${f} (only ${found[0]})`] : [];
		});
		expect(singleOwned).toEqual([]);
	});

	it('has no import cycle', () => {
		const cycles: string[] = [];
		const state = new Map<string, 'open' | 'done'>();
		const visit = (node: string, path: string[]) => {
			if (state.get(node) === 'done') return;
			if (state.get(node) === 'open') return void cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
			state.set(node, 'open');
			for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
			state.set(node, 'done');
		};
		for (const node of graph.keys()) visit(node, []);
		expect(cycles).toEqual([]);
	});
});
