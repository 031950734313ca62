// Starts a real Directus (the pinned devDependency) on Node 22 with this extension loaded.
// Shared by the test harness and `npm run dev`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode22 } from './setup-host.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The host's CLI without its npm update check (`directus/cli.js` asks the registry for its
// manifest before every command: a second of CPU and a network call per start, for a banner).
const cli = join(root, 'node_modules/@directus/api/dist/cli/run.js');

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-1';

export async function freePort() {
	return new Promise((ok, fail) => {
		const server = createServer();
		server.once('error', fail);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => ok(port));
		});
	});
}

/**
 * Copies the built bundle into `<dir>/extensions`, as `npm install` of the package would, and
 * each of `extra` (folders with a package.json and their code) next to it.
 */
export function installExtension(dir, extra = [], own = true) {
	if (!existsSync(join(root, 'dist/api.js'))) throw new Error('dist/api.js is missing: run `npm run build` first');
	const target = join(dir, 'extensions', 'directus-extension-user-lifecycle');
	rmSync(target, { recursive: true, force: true });
	mkdirSync(own ? target : join(dir, 'extensions'), { recursive: true });
	if (own) {
		cpSync(join(root, 'package.json'), join(target, 'package.json'));
		cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true });
	}
	for (const folder of extra) {
		const other = join(dir, 'extensions', basename(resolve(folder)));
		rmSync(other, { recursive: true, force: true });
		cpSync(resolve(folder), other, { recursive: true });
	}
	return join(dir, 'extensions');
}

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' };
const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root' };

/** Names of databases made here: `ul_<run>_...`, where USER_LIFECYCLE_TEST_RUN names a test run (its teardown drops what is left). */
function databaseName() {
	const run = process.env.USER_LIFECYCLE_TEST_RUN ?? Date.now().toString(36);
	return `ul_${run}_${randomBytes(4).toString('hex')}`;
}

function databaseEnv(db, name) {
	if (db === 'postgres') return { DB_CLIENT: 'pg', DB_HOST: '127.0.0.1', DB_PORT: '5432', DB_DATABASE: name, DB_USER: 'postgres', DB_PASSWORD: '' };
	return { DB_CLIENT: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: '3306', DB_DATABASE: name, DB_USER: 'root', DB_PASSWORD: '' };
}

async function pgQuery(sql) {
	const { default: pg } = await import('pg');
	const client = new pg.Client(PG);
	await client.connect();
	try {
		return await client.query(sql);
	} finally {
		await client.end();
	}
}

async function mysqlConnection(database) {
	const mysql = await import('mysql2/promise');
	return mysql.createConnection({ ...MYSQL, ...(database ? { database } : {}), multipleStatements: true });
}

/**
 * A new, empty database (PostgreSQL, MariaDB; SQLite needs none), or with `template` (the name
 * of a bootstrapped one, see `bootstrapTemplate`) a copy of it: copying is what saves the
 * bootstrap's migrations on every test host.
 */
export async function createDatabase(db, { template } = {}) {
	if (db === 'sqlite') return {};
	const name = databaseName();
	if (db === 'postgres') {
		await pgQuery(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
		return { env: databaseEnv(db, name), name, drop: () => dropDatabase(db, name) };
	}
	if (db === 'mysql') {
		const conn = await mysqlConnection();
		try {
			await conn.query(`CREATE DATABASE ${name}`);
			if (template) await copyMysqlDatabase(conn, template, name);
		} finally {
			await conn.end();
		}
		return { env: databaseEnv(db, name), name, drop: () => dropDatabase(db, name) };
	}
	throw new Error(`unknown database ${db}`);
}

/** MariaDB has no template databases: every table's own CREATE statement (keys included), then its rows. */
async function copyMysqlDatabase(conn, from, to) {
	const [tables] = await conn.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? AND table_type = ?', [from, 'BASE TABLE']);
	const statements = ['SET FOREIGN_KEY_CHECKS = 0', `USE ${to}`];
	for (const { name } of tables) {
		const [[created]] = await conn.query(`SHOW CREATE TABLE \`${from}\`.\`${name}\``);
		statements.push(created['Create Table'], `INSERT INTO \`${to}\`.\`${name}\` SELECT * FROM \`${from}\`.\`${name}\``);
	}
	statements.push('SET FOREIGN_KEY_CHECKS = 1');
	await conn.query(statements.join(';\n'));
}

export async function dropDatabase(db, name) {
	if (db === 'postgres') await pgQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
	if (db === 'mysql') {
		const conn = await mysqlConnection();
		await conn.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => {});
		await conn.end();
	}
}

/** Every database whose name starts with `prefix` (a test run's leftovers). */
export async function databasesNamed(db, prefix) {
	if (db === 'postgres') return (await pgQuery(`SELECT datname FROM pg_database WHERE datname LIKE '${prefix}%'`)).rows.map((r) => r.datname);
	const conn = await mysqlConnection();
	try {
		const [rows] = await conn.query('SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE ?', [`${prefix}%`]);
		return rows.map((r) => r.name);
	} finally {
		await conn.end();
	}
}

export async function databaseAnswers(db) {
	try {
		if (db === 'postgres') await pgQuery('SELECT 1');
		else if (db === 'mysql') await (await mysqlConnection()).end();
		return true;
	} catch {
		return false;
	}
}

/**
 * Runs `directus bootstrap` once into a template: a SQLite file, or a database of its own that
 * `createDatabase(db, { template })` copies. Returns what `startHost`'s `template` option takes.
 */
export async function bootstrapTemplate(db, dir) {
	mkdirSync(dir, { recursive: true });
	installExtension(dir);
	const database = await createDatabase(db);
	const filename = join(dir, `template-${db}.db`);
	await runBootstrap({ db, dir, database, env: db === 'sqlite' ? { DB_FILENAME: filename } : {} });
	return db === 'sqlite' ? { db, file: filename } : { db, name: database.name };
}

/** The host's environment: the test defaults, the database's, then `env` (`null` removes a variable). */
function hostEnv({ db, dir, port, url, extensionsPath, database, env }) {
	const fullEnv = {
		...process.env,
		HOST: '127.0.0.1',
		PORT: String(port),
		PUBLIC_URL: url,
		SECRET: 'test-secret-for-user-lifecycle-please-change',
		ADMIN_EMAIL,
		ADMIN_PASSWORD,
		EXTENSIONS_PATH: extensionsPath,
		EXTENSIONS_AUTO_RELOAD: 'false',
		TELEMETRY: 'false',
		LOG_LEVEL: 'info',
		LOG_STYLE: 'raw',
		CACHE_ENABLED: 'false',
		RATE_LIMITER_ENABLED: 'false',
		// Test hosts share two cores with the suite: the host's load shedding would answer 503.
		PRESSURE_LIMITER_ENABLED: 'false',
		RATE_LIMITER_REGISTRATION_ENABLED: 'false',
		WEBSOCKETS_ENABLED: 'false',
		EMAIL_TRANSPORT: 'smtp',
		EMAIL_SMTP_HOST: '127.0.0.1',
		EMAIL_SMTP_SECURE: 'false',
		EMAIL_SMTP_IGNORE_TLS: 'true',
		EMAIL_FROM: 'no-reply@example.com',
		EMAIL_VERIFY_SETUP: 'false',
		HASH_MEMORY_COST: '1024',
		HASH_TIME_COST: '2',
		HASH_PARALLELISM: '1',
		ACCESS_TOKEN_TTL: '1h',
		USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '250ms',
		USER_LIFECYCLE_OUTBOX_BACKOFF: '250ms',
		...(db === 'sqlite' ? { DB_CLIENT: 'sqlite3', DB_FILENAME: join(dir, 'data.db') } : database.env),
	};
	for (const [key, value] of Object.entries(env)) {
		if (value === null) delete fullEnv[key];
		else fullEnv[key] = String(value);
	}
	return fullEnv;
}

/**
 * Runs the host's CLI on Node 22. `ipc`: the host sends 'ready' once ITS server listens (a ping
 * alone could be answered by another process holding the same port); the preload ends the host
 * when that channel closes, so a test worker that dies takes its hosts with it.
 */
function runDirectus(args, { dir, env }) {
	const node = findNode22();
	if (!node) throw new Error('Node 22 runtime not found: run `npm install`');
	// Node 22's compile cache keeps the host's compiled modules between starts: a start spends most
	// of its time loading modules, and a warm cache takes about a fifth off it (measured: 9.3 → 7.5
	// CPU-s for a bootstrap and a start on SQLite).
	const withCache = { NODE_COMPILE_CACHE: join(root, '.test-hosts', 'compile-cache'), ...env };
	return spawn(node.bin, ['--require', join(root, 'scripts/exit-with-parent.cjs'), cli, ...args], { cwd: dir, env: withCache, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
}

async function runBootstrap({ db, dir, database, env = {} }) {
	const boot = runDirectus(['bootstrap'], { dir, env: hostEnv({ db, dir, port: 0, url: 'http://127.0.0.1', extensionsPath: join(dir, 'extensions'), database, env }) });
	const output = [];
	for (const stream of [boot.stdout, boot.stderr]) stream.on('data', (chunk) => output.push(chunk.toString()));
	const code = await new Promise((ok) => boot.on('exit', ok));
	if (code !== 0) throw new Error(`directus bootstrap failed (${code}):\n${output.join('').split('\n').slice(-30).join('\n')}`);
}

/**
 * Bootstraps and starts a Directus. `env` overrides the defaults (`null` removes a variable).
 * `database` is what createDatabase returned, to share one database between several hosts.
 * `template`: what bootstrapTemplate returned, copied instead of bootstrapping.
 * `extraExtensions`: folders of other extensions to load next to this one; `ownExtension: false`
 * leaves ours out of the extensions folder (a project that installed the package loads it itself).
 * `pickPort`: how a port is chosen when none is given (default: one the system calls free).
 * `publicHostname`: the host name of PUBLIC_URL (default 127.0.0.1, where the host listens);
 * `localhost` for browsers that refuse an IP address (WebAuthn's relying party).
 * @param {{ db?: string, env?: Record<string, string | null>, dir?: string, database?: any, bootstrap?: boolean, template?: { db: string, file?: string, name?: string }, logToConsole?: boolean, port?: number, extraExtensions?: string[], ownExtension?: boolean, pickPort?: () => Promise<number>, publicHostname?: string }} [options]
 */
export async function startHost({ db = 'sqlite', env = {}, dir = undefined, database = undefined, bootstrap = true, template = undefined, logToConsole = false, port = undefined, extraExtensions = [], ownExtension = true, pickPort = freePort, publicHostname = '127.0.0.1' } = {}) {
	mkdirSync(join(root, '.test-hosts'), { recursive: true });
	dir ??= mkdtempSync(join(root, '.test-hosts', 'host-'));
	mkdirSync(dir, { recursive: true });
	// The host resolves extensions only when its working folder has a package.json.
	if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-lifecycle-host', private: true }));
	const extensionsPath = installExtension(dir, extraExtensions, ownExtension);
	// A template (bootstrapTemplate's answer) stands in for the bootstrap: a copy of one made once.
	database ??= await createDatabase(db, { template: bootstrap && template ? template.name : undefined });
	if (bootstrap && template && db === 'sqlite') copyFileSync(template.file, join(dir, 'data.db'));
	if (template) bootstrap = false;
	// A port picked here may be taken by another host starting at the same moment (parallel test
	// files): the host then fails to listen, and it is started again on another port.
	const portGiven = port !== undefined;
	port ??= await pickPort();
	let url = `http://127.0.0.1:${port}`;
	const publicUrlOf = (p) => `http://${publicHostname}:${p}`;
	const fullEnv = hostEnv({ db, dir, port, url: publicUrlOf(port), extensionsPath, database, env });
	const logFile = join(dir, 'directus.log');
	const logStream = createWriteStream(logFile, { flags: 'a' });
	const lines = [];
	const run = (args) => runDirectus(args, { dir, env: fullEnv });
	const capture = (child) => {
		for (const stream of [child.stdout, child.stderr]) {
			stream.on('data', (chunk) => {
				const text = chunk.toString();
				logStream.write(text);
				lines.push(...text.split('\n').filter(Boolean));
				if (logToConsole) process.stdout.write(text);
			});
		}
	};
	if (bootstrap) {
		const boot = run(['bootstrap']);
		capture(boot);
		const code = await new Promise((ok) => boot.on('exit', ok));
		if (code !== 0) throw new Error(`directus bootstrap failed (${code}); log: ${logFile}\n${lines.slice(-30).join('\n')}`);
	}
	let child;
	let exited = false;
	for (let attempt = 1; ; attempt++) {
		const from = lines.length;
		child = run(['start']);
		capture(child);
		exited = false;
		const started = child;
		let ready = false;
		started.on('message', (message) => {
			if (message === 'ready') ready = true;
		});
		started.on('exit', () => {
			if (child === started) exited = true;
		});
		const deadline = Date.now() + 150_000;
		let portTaken = false;
		for (;;) {
			if (exited) {
				portTaken = lines.slice(from).some((line) => /already in use|EADDRINUSE/.test(line));
				if (portTaken && !portGiven && attempt < 5) break;
				throw new Error(`directus exited during start-up; log: ${logFile}\n${lines.slice(-30).join('\n')}`);
			}
			if (ready) {
				try {
					const res = await fetch(`${url}/server/ping`);
					if (res.ok) break;
				} catch {
					// listening, not answering yet
				}
			}
			if (Date.now() > deadline) throw new Error(`directus did not answer within 150 s; log: ${logFile}`);
			await new Promise((r) => setTimeout(r, 150));
		}
		if (!portTaken) break;
		port = await pickPort();
		url = `http://127.0.0.1:${port}`;
		Object.assign(fullEnv, { PORT: String(port), PUBLIC_URL: env.PUBLIC_URL ?? publicUrlOf(port) });
	}
	return {
		url,
		/** PUBLIC_URL: where a browser opens the host (its host name may differ from `url`'s). */
		publicUrl: fullEnv.PUBLIC_URL,
		dir,
		env: fullEnv,
		database,
		/** The Directus process id (for fault tests). */
		pid: child.pid,
		logs: () => lines.join('\n'),
		/** Sends `signal` (SIGKILL: a crash, no clean-up) and resolves once the process is gone. */
		async kill(signal = 'SIGKILL') {
			if (exited) return;
			const gone = new Promise((r) => child.once('exit', r));
			child.kill(signal);
			await gone;
		},
		async stop({ dropDatabase = true } = {}) {
			if (!exited) {
				child.kill('SIGTERM');
				await Promise.race([new Promise((r) => child.on('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
				if (!exited) child.kill('SIGKILL');
			}
			logStream.end();
			if (dropDatabase) await database.drop?.();
		},
	};
}
