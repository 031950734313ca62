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
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseAnswers, root, startHost } from '../scripts/host.mjs';
import { activeUsers, adminClient, apiOnlyRole, markdownTable, median } from './lib.mjs';

const DBS = (process.env.BENCH_DBS ?? 'postgres,sqlite').split(',').map((d) => d.trim()).filter(Boolean);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 150);
const WARM_UP = 40;
const BULK_PAIRS = Number(process.env.BENCH_BULK_PAIRS ?? 10);
const BULK_USERS = 1000;

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
		`register.init("routes.before", (meta) => {\n    const app = meta["app"];\n    ${figures} ??= {};\n    app.use("/__guard", (req, res) => { if (req.query.off !== undefined) ${figures}.off = req.query.off === "1"; if (req.query.reset) ${figures} = { off: ${figures}.off }; res.json(${figures}); });`,
	);
	const extensions = mkdtempSync(join(root, '.test-hosts', 'guard-in-host-'));
	const target = join(extensions, 'directus-extension-user-lifecycle');
	mkdirSync(join(target, 'dist'), { recursive: true });
	cpSync(join(root, 'package.json'), join(target, 'package.json'));
	cpSync(join(root, 'dist', 'app.js'), join(target, 'dist', 'app.js'));
	writeFileSync(join(target, 'dist', 'api.js'), api);
	return extensions;
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
console.log(`The guard inside one host, switched per suspend/reactivate pair (${new Date().toISOString()}, ${((Date.now() - started) / 60000).toFixed(1)} min; medians of each mode's requests; in-host figures: averages per guarded write, the prepared read's steps only where the read is a prepared statement):`);
const columns = Object.keys(table[0] ?? {});
for (const line of markdownTable(columns, table.map((row) => columns.map((column) => row[column])))) console.log(line);
