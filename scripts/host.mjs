// Starts a real Directus (the pinned devDependency) on Node 22 with this extension loaded.
// Shared by the test harness and `npm run dev`.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode22 } from './setup-host.mjs';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'node_modules/directus/cli.js');

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
export function installExtension(dir, extra = []) {
	if (!existsSync(join(root, 'dist/api.js'))) throw new Error('dist/api.js is missing: run `npm run build` first');
	const target = join(dir, 'extensions', 'directus-extension-user-lifecycle');
	rmSync(target, { recursive: true, force: true });
	mkdirSync(target, { recursive: true });
	cpSync(join(root, 'package.json'), join(target, 'package.json'));
	cpSync(join(root, 'dist'), join(target, 'dist'), { recursive: true });
	for (const folder of extra) {
		const other = join(dir, 'extensions', basename(resolve(folder)));
		rmSync(other, { recursive: true, force: true });
		cpSync(resolve(folder), other, { recursive: true });
	}
	return join(dir, 'extensions');
}

export async function createDatabase(db) {
	if (db === 'sqlite') return {};
	const name = `ul_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
	if (db === 'postgres') {
		const { default: pg } = await import('pg');
		const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
		await client.connect();
		await client.query(`CREATE DATABASE ${name}`);
		await client.end();
		return {
			env: { DB_CLIENT: 'pg', DB_HOST: '127.0.0.1', DB_PORT: '5432', DB_DATABASE: name, DB_USER: 'postgres', DB_PASSWORD: '' },
			drop: async () => {
				const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
				await c.connect();
				await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
				await c.end();
			},
		};
	}
	if (db === 'mysql') {
		const mysql = await import('mysql2/promise');
		const conn = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
		await conn.query(`CREATE DATABASE ${name}`);
		await conn.end();
		return {
			env: { DB_CLIENT: 'mysql', DB_HOST: '127.0.0.1', DB_PORT: '3306', DB_DATABASE: name, DB_USER: 'root', DB_PASSWORD: '' },
			drop: async () => {
				const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
				await c.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => {});
				await c.end();
			},
		};
	}
	throw new Error(`unknown database ${db}`);
}

export async function databaseAnswers(db) {
	try {
		const created = await createDatabase(db);
		await created.drop?.();
		return true;
	} catch {
		return false;
	}
}

/**
 * Bootstraps and starts a Directus. `env` overrides the defaults (`null` removes a variable).
 * `database` is what createDatabase returned, to share one database between several hosts.
 * `extraExtensions`: folders of other extensions to load next to this one.
 * `pickPort`: how a port is chosen when none is given (default: one the system calls free).
 * @param {{ db?: string, env?: Record<string, string | null>, dir?: string, database?: any, bootstrap?: boolean, logToConsole?: boolean, port?: number, extraExtensions?: string[], pickPort?: () => Promise<number> }} [options]
 */
export async function startHost({ db = 'sqlite', env = {}, dir = undefined, database = undefined, bootstrap = true, logToConsole = false, port = undefined, extraExtensions = [], pickPort = freePort } = {}) {
	const node = findNode22();
	if (!node) throw new Error('Node 22 runtime not found: run `npm install`');
	mkdirSync(join(root, '.test-hosts'), { recursive: true });
	dir ??= mkdtempSync(join(root, '.test-hosts', 'host-'));
	mkdirSync(dir, { recursive: true });
	// The host resolves extensions only when its working folder has a package.json.
	if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-lifecycle-host', private: true }));
	const extensionsPath = installExtension(dir, extraExtensions);
	database ??= await createDatabase(db);
	// A port picked here may be taken by another host starting at the same moment (parallel test
	// files): the host then fails to listen, and it is started again on another port.
	const portGiven = port !== undefined;
	port ??= await pickPort();
	let url = `http://127.0.0.1:${port}`;
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
	const logFile = join(dir, 'directus.log');
	const logStream = createWriteStream(logFile, { flags: 'a' });
	const lines = [];
	// `ipc`: the host sends 'ready' once ITS server listens. A ping alone could be answered by
	// another process that holds the same port.
	const run = (args) => spawn(node.bin, [cli, ...args], { cwd: dir, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
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
		Object.assign(fullEnv, { PORT: String(port), PUBLIC_URL: url });
	}
	return {
		url,
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
