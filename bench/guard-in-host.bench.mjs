// The guard's own cost on a status write, measured inside ONE host process: the host with the
// extension, its guard switched off and on between requests (a suspend/reactivate pair at a
// time, the order alternating), so the luck of a process (two identical hosts differ by up to
// 7-12% for their whole life: bench/run.mjs) drops out. It also times, inside the host, the
// guard's read before the write and its audit row inside the write's transaction, and for the
// read: waiting for a pooled connection, the statement, giving the connection back.
//
// How: a copy of the built bundle (dist/api.js) with a few lines added at named places (each must
// be found exactly once, or the bench stops and says which): a switch read by the guard's
// `users.update` filter, timers around the two statements (and the read's three steps inside the prepared-statement runner), and a `/__guard` route on the bench's
// host only (switch, reset, figures). The shipped bundle has none of it.
//
//   npm run build && node bench/guard-in-host.bench.mjs        (PostgreSQL and SQLite)
//   BENCH_DBS=sqlite BENCH_PAIRS=200 BENCH_BULK_PAIRS=10 node bench/guard-in-host.bench.mjs
//   BENCH_SWITCH=hooks node bench/guard-in-host.bench.mjs   (every hook of the extension switched, not the guard alone)
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseAnswers, root, startHost } from '../scripts/host.mjs';
import { activeUsers, adminClient, apiOnlyRole, markdownTable, median } from './lib.mjs';

const DBS = (process.env.BENCH_DBS ?? 'postgres,sqlite').split(',').map((d) => d.trim()).filter(Boolean);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 150);
const WARM_UP = 40;
const BULK_PAIRS = Number(process.env.BENCH_BULK_PAIRS ?? 10);
const BULK_USERS = 1000;
/**
 * What "off" switches off: `guard` (default), the guard's `users.update` filter only; `hooks`,
 * every filter and action of the extension (each answers at once: the activity row listener, the
 * two-factor filter, the actions), so "on" vs "off" is all the extension's hooks add to a write.
 */
const SWITCH = process.env.BENCH_SWITCH ?? 'guard';
if (!['guard', 'hooks'].includes(SWITCH)) throw new Error(`BENCH_SWITCH: guard or hooks, not ${SWITCH}`);

/** The bundle with the switch, the timers and the route added; answers its extensions folder. */
function instrumentedBundle() {
	let api = readFileSync(join(root, 'dist', 'api.js'), 'utf8');
	const at = (anchor, replacement) => {
		const count = api.split(anchor).length - 1;
		if (count !== 1) throw new Error(`bench/guard-in-host: "${anchor.slice(0, 70)}" found ${count} times in dist/api.js (expected once): update the anchors`);
		api = api.replace(anchor, () => replacement);
	};
	const figures = 'globalThis.__guardBench';
	const add = (key, ms) => `(${figures}[${key}] = (${figures}[${key}] ?? 0) + (${ms}))`;
	at('const updateFilter = async (payload, meta, context) => {', `const updateFilter = async (payload, meta, context) => {\n    if (${figures}.off) return;`);
	if (SWITCH === 'hooks') {
		at(
			'const registered = (payload, meta, ctx) => isReady ?',
			`const registered = (payload, meta, ctx) => ${figures}?.off ? payload : isReady ?`,
		);
		at('register.action(event, (meta, ctx) => isReady ?', `register.action(event, (meta, ctx) => ${figures}?.off ? undefined : isReady ?`);
	}
	at(
		'const rows = await guardedUsers(database, keys);',
		`const benchRead = performance.now(); const rows = await guardedUsers(database, keys); ${add("'read'", 'performance.now() - benchRead')}; ${add("'writes'", '1')};`,
	);
	at(
		'return written.then((changes) => applyChanges(database, checked.hostEndsSessions ? { ...changes, leftActive: [] } : changes)).then(() => payload);',
		`const benchRecord = performance.now(); return written.then((changes) => applyChanges(database, checked.hostEndsSessions ? { ...changes, leftActive: [] } : changes)).then(() => { ${add("'record'", 'performance.now() - benchRecord')}; return payload; });`,
	);
	at(
		'  const connection = await client.acquireConnection();\n  try {',
		`  const benchAcquire = performance.now();\n  const connection = await client.acquireConnection();\n  if (!write) ${add("'read acquire'", 'performance.now() - benchAcquire')}; const benchRun = performance.now();\n  try {`,
	);
	at(
		'  } finally {\n    await client.releaseConnection(connection);\n  }',
		`  } finally {\n    if (!write) ${add("'read statement'", 'performance.now() - benchRun')}; const benchRelease = performance.now();\n    await client.releaseConnection(connection);\n    if (!write) ${add("'read release'", 'performance.now() - benchRelease')};\n  }`,
	);
	at(
		'register.init("routes.before", (meta) => {\n    const app = meta["app"];',
		`register.init("routes.before", (meta) => {\n    const app = meta["app"];\n    ${figures} ??= {};\n    app.use("/__guard/profile", async (req, res) => { const inspector = await import("node:inspector"); globalThis.__guardProfiler ??= (() => { const session = new inspector.Session(); session.connect(); return session; })(); const post = (method, params) => new Promise((ok, fail) => globalThis.__guardProfiler.post(method, params ?? {}, (error, result) => error ? fail(error) : ok(result))); if (req.query.start) { await post("Profiler.enable"); await post("Profiler.setSamplingInterval", { interval: 100 }); await post("Profiler.start"); res.json({}); } else { const { profile } = await post("Profiler.stop"); res.json(profile); } });\n    app.use("/__guard", (req, res) => { if (req.query.off !== undefined) ${figures}.off = req.query.off === "1"; if (req.query.reset) ${figures} = { off: ${figures}.off }; res.json(${figures}); });`,
	);
	const extensions = mkdtempSync(join(root, '.test-hosts', 'guard-in-host-'));
	const target = join(extensions, 'directus-extension-user-lifecycle');
	mkdirSync(join(target, 'dist'), { recursive: true });
	cpSync(join(root, 'package.json'), join(target, 'package.json'));
	cpSync(join(root, 'dist', 'app.js'), join(target, 'dist', 'app.js'));
	writeFileSync(join(target, 'dist', 'api.js'), api);
	return extensions;
}

/**
 * BENCH_PROFILE=1: the bulk write profiled inside the host (V8's sampling profiler, 100 µs), in
 * alternating windows of each mode; self time per function, summed over each mode's windows.
 */
const PROFILE = process.env.BENCH_PROFILE === '1';
const PROFILE_WINDOWS = 4;
const PROFILE_PAIRS = 3;
const profiles = [];

async function profileBoth(db, admin, path, body) {
	const self = { on: new Map(), off: new Map() };
	const writes = { on: 0, off: 0 };
	for (let w = 0; w < PROFILE_WINDOWS * 2; w++) {
		const mode = w % 2 === 0 ? 'on' : 'off';
		await admin('GET', `/__guard?off=${mode === 'off' ? 1 : 0}`);
		await admin('GET', '/__guard/profile?start=1');
		for (let i = 0; i < PROFILE_PAIRS; i++) for (const status of ['suspended', 'active']) {
			await admin('PATCH', path, body(status));
			writes[mode]++;
		}
		const profile = (await admin('GET', '/__guard/profile')).body;
		const byId = new Map(profile.nodes.map((node) => [node.id, node]));
		profile.samples.forEach((id, i) => {
			const frame = byId.get(id).callFrame;
			const where = frame.url ? `${frame.url.replace(/^.*node_modules\//, '').replace(/^.*guard-in-host-[^/]*\//, 'EXT/')}:${frame.lineNumber + 1}` : '';
			const key = `${frame.functionName || '(anonymous)'} ${where}`.trim();
			self[mode].set(key, (self[mode].get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
		});
	}
	const perWrite = (mode, key) => (self[mode].get(key) ?? 0) / writes[mode];
	const category = (key) => /EXT\//.test(key) ? 'extension' : /\(idle\)/.test(key) ? '(idle)' : /\(garbage collector\)/.test(key) ? '(gc)' : /\(program\)/.test(key) ? '(program)' : /knex\//.test(key) ? 'knex' : /sqlite3|pg\/|pg-/.test(key) ? 'driver' : /@directus\//.test(key) ? 'host' : /node:/.test(key) ? 'node' : 'other';
	const keys = new Set([...self.on.keys(), ...self.off.keys()]);
	const categories = new Map();
	for (const key of keys) {
		const c = category(key);
		const entry = categories.get(c) ?? { on: 0, off: 0 };
		entry.on += perWrite('on', key);
		entry.off += perWrite('off', key);
		categories.set(c, entry);
	}
	const top = [...keys].map((key) => ({ key, on: perWrite('on', key), off: perWrite('off', key) })).sort((a, b) => Math.abs(b.on - b.off) - Math.abs(a.on - a.off)).slice(0, 25);
	return [
		`${db}: self time per bulk write by category (ms; on / off / difference; ${writes.on} + ${writes.off} writes):`,
		...[...categories].sort((a, b) => b[1].on - a[1].on).map(([c, v]) => `  ${c.padEnd(12)} ${v.on.toFixed(1).padStart(8)} ${v.off.toFixed(1).padStart(8)} ${(v.on - v.off).toFixed(1).padStart(8)}`),
		`${db}: functions with the largest difference (ms per write; on / off):`,
		...top.map((t) => `  ${(t.on - t.off).toFixed(2).padStart(7)}  ${t.on.toFixed(2)} / ${t.off.toFixed(2)}  ${t.key}`),
	];
}

async function measure(db, extensions) {
	const host = await startHost({
		db,
		env: {
			EXTENSIONS_PATH: extensions,
			LOG_LEVEL: 'warn',
			USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *',
			USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: null,
			USER_LIFECYCLE_OUTBOX_BACKOFF: null,
		},
	});
	try {
		const { admin } = await adminClient(host.url);
		const ids = await activeUsers(admin, 'guard', await apiOnlyRole(admin), BULK_USERS + 1);
		const rows = [];
		for (const [figure, path, body, pairs, warmUp] of [
			['PATCH /users/:id { status }', `/users/${ids[0]}`, (status) => ({ status }), PAIRS, WARM_UP],
			[`PATCH /users, ${BULK_USERS} users { status }`, '/users', (status) => ({ keys: ids.slice(1), data: { status } }), BULK_PAIRS, 2],
		]) {
			const ms = { on: [], off: [] };
			for (let i = -warmUp; i < pairs; i++) {
				if (i === 0) await admin('GET', '/__guard?reset=1');
				for (const mode of i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
					await admin('GET', `/__guard?off=${mode === 'off' ? 1 : 0}`);
					for (const status of ['suspended', 'active']) {
						const { ms: took } = await admin('PATCH', path, body(status));
						if (i >= 0) ms[mode].push(took);
					}
				}
			}
			if (PROFILE && path === '/users') profiles.push(...(await profileBoth(db, admin, path, body)));
			const inside = (await admin('GET', '/__guard')).body;
			const per = (key) => (inside[key] ?? 0) / (inside.writes || 1);
			const on = median(ms.on);
			const off = median(ms.off);
			rows.push({
				db,
				figure,
				off: `${off.toFixed(2)} ms`,
				on: `${on.toFixed(2)} ms`,
				added: `${on >= off ? '+' : ''}${((on / off - 1) * 100).toFixed(1)}%`,
				read: `${per('read').toFixed(2)} ms`,
				record: `${per('record').toFixed(2)} ms`,
				// A bulk read goes through knex (more users than a prepared statement takes): no steps.
				'read: acquire / statement / release': inside['read statement'] ? ['acquire', 'statement', 'release'].map((step) => per(`read ${step}`).toFixed(2)).join(' / ') : '-',
				writes: `${ms.on.length} + ${ms.off.length}`,
			});
		}
		return rows;
	} finally {
		await host.stop();
	}
}

mkdirSync(join(root, '.test-hosts'), { recursive: true });
const extensions = instrumentedBundle();
const started = Date.now();
const table = [];
for (const db of DBS) {
	if (db !== 'sqlite' && !(await databaseAnswers(db))) {
		console.log(`[guard-in-host] ${db}: skipped (no database answers)`);
		continue;
	}
	console.error(`[guard-in-host] ${db}: measuring`);
	table.push(...(await measure(db, extensions)));
}
console.log(`${SWITCH === 'hooks' ? "All the extension's hooks" : 'The guard'} inside one host, switched per suspend/reactivate pair (${new Date().toISOString()}, ${((Date.now() - started) / 60000).toFixed(1)} min; medians of each mode's requests; in-host figures: averages per guarded write, the prepared read's steps only where the read is a prepared statement):`);
for (const line of profiles) console.log(line);
const columns = Object.keys(table[0] ?? {});
for (const line of markdownTable(columns, table.map((row) => columns.map((column) => row[column])))) console.log(line);
