// A real Directus with the built extension, a real SMTP mailbox, and a knex handle on the same
// database for assertions. One per test file (each file sets the env it needs).
import knexFactory, { type Knex } from 'knex';
import { expect } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, databaseAnswers, startHost } from '../../scripts/host.mjs';
import { Mailbox } from './mailbox.js';

export type Db = 'sqlite' | 'postgres' | 'mysql';

/** The PostgreSQL application_name of the harness's own `knex` sessions (not the host's). */
export const HARNESS_DB_APPLICATION = 'user-lifecycle-test-harness';

/** The password of every fixture user (tests that exercise a password policy keep their own literals). */
export const PASSWORD = 'correct-horse-battery';

export interface ApiResponse<T = any> {
	status: number;
	body: T;
	text: string;
	headers: Headers;
	ms: number;
}

export interface TestHost {
	db: Db;
	url: string;
	/** PUBLIC_URL: where a browser opens the host (`url` unless `publicHostname` changed its name). */
	publicUrl: string;
	mailbox: Mailbox;
	knex: Knex;
	adminToken: string;
	logs: () => string;
	api: <T = any>(method: string, path: string, body?: unknown, opts?: { token?: string | null; raw?: string; headers?: Record<string, string> }) => Promise<ApiResponse<T>>;
	admin: <T = any>(method: string, path: string, body?: unknown) => Promise<ApiResponse<T>>;
	login: (email: string, password: string, extra?: Record<string, unknown>) => Promise<ApiResponse>;
	/** Logs in (expects 200) and returns the access token. */
	loginToken: (email: string, password: string) => Promise<string>;
	/** A role whose policy gives API access only (no app access: it takes no licence seat); `id` fixes the role's id. */
	createApiRole: (name: string, permissions?: { collection: string; action: string; fields?: string[] }[], options?: { id?: string }) => Promise<string>;
	createUser: (fields: Record<string, unknown>) => Promise<string>;
	/** An active user of `role` with PASSWORD (unless `fields` say otherwise), logged in: its id and access token. */
	createApiUser: (role: string, email: string, fields?: Record<string, unknown>) => Promise<{ id: string; token: string }>;
	/** The directus_users row of that email, whatever its case (undefined when there is none). */
	userByEmail: (email: string) => Promise<any>;
	/** How many rows directus_users has. */
	userCount: () => Promise<number>;
	setSettings: (settings: Record<string, unknown>) => Promise<void>;
	stop: () => Promise<void>;
	/** Another Directus process on the same database and mailbox (multi-instance tests). */
	startSibling: (env?: Record<string, string | null>) => Promise<{ url: string; stop: () => Promise<void>; logs: () => string; kill: (signal?: NodeJS.Signals) => Promise<void> }>;
	/** Kills the main Directus process (default SIGKILL: a crash, no clean-up) and waits until it is gone. */
	kill: (signal?: NodeJS.Signals) => Promise<void>;
	/** Starts a new main process on the same database, folder and port (after `kill`): `url`, `api` and `adminToken` keep working. */
	restart: (env?: Record<string, string | null>) => Promise<void>;
}

/**
 * Databases the integration suite runs on (USER_LIFECYCLE_TEST_DBS, default all three):
 * PostgreSQL/MariaDB only when they answer. The global set-up has probed them once for the run.
 */
export async function availableDatabases(): Promise<Db[]> {
	const probed = process.env['USER_LIFECYCLE_TEST_DBS_UP'];
	if (probed !== undefined) return probed.split(',').filter(Boolean) as Db[];
	const wanted = (process.env['USER_LIFECYCLE_TEST_DBS'] ?? 'sqlite,postgres,mysql').split(',');
	const dbs: Db[] = wanted.includes('sqlite') ? ['sqlite'] : [];
	for (const db of ['postgres', 'mysql'] as const) {
		if (!wanted.includes(db)) continue;
		if (await databaseAnswers(db)) dbs.push(db);
		else console.warn(`[user-lifecycle tests] NOTICE: ${db} does not answer on 127.0.0.1; its integration run is skipped`);
	}
	return dbs;
}

export interface TestHostOptions {
	db?: Db;
	env?: Record<string, string | null>;
	/** Folders of other extensions (package.json + code) the host loads next to ours. */
	extraExtensions?: string[];
	/**
	 * A host of the file's own: needed to kill, restart or add siblings to it. Otherwise the host
	 * is shared with the worker's later test files of the same database and settings profile.
	 */
	exclusive?: boolean;
	/** PUBLIC_URL's host name (default 127.0.0.1): `localhost` where a browser refuses an IP (WebAuthn). */
	publicHostname?: string;
}

/** The bootstrapped copy of `db` the global set-up made for this run, if any. */
export function templateOf(db: Db) {
	const templates = JSON.parse(process.env['USER_LIFECYCLE_TEST_TEMPLATES'] ?? '[]') as { db: Db }[];
	return templates.find((t) => t.db === db);
}

/**
 * A host per database and settings profile, kept in this test worker (its files run one after
 * another) for the next file that asks for the same profile: start-up is not what the tests test.
 * Files keep their data apart (their own emails and roles); what a file changes for everyone is
 * put back when it lets the host go (the settings it set, the mailbox's switches and mail).
 */
interface Kept {
	host: TestHost;
	busy: boolean;
	/** Settings as the host started with them, and the keys a file has set since. */
	baseline: Record<string, unknown>;
	touched: Set<string>;
}
const kept = new Map<string, Kept>();
/** Idle hosts kept per worker: the rest are stopped, least recently used first. */
const MAX_IDLE = Number(process.env['USER_LIFECYCLE_TEST_KEEP_HOSTS'] ?? 4);

function profileKey(db: Db, options: TestHostOptions): string {
	const env = Object.entries(options.env ?? {})
		.filter(([key, value]) => !(key === 'PRESSURE_LIMITER_ENABLED' && value === 'false') && !(key === 'RATE_LIMITER_REGISTRATION_ENABLED' && value === 'false'))
		.sort(([a], [b]) => a.localeCompare(b));
	return JSON.stringify([db, env, [...(options.extraExtensions ?? [])].sort(), options.publicHostname ?? null]);
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
	const db = options.db ?? 'sqlite';
	if (options.exclusive || process.env['USER_LIFECYCLE_TEST_SHARE_HOSTS'] === 'false') return startPrivateHost(db, options);
	const key = profileKey(db, options);
	if (process.env['USER_LIFECYCLE_TEST_DEBUG']) console.log('[host]', process.pid, kept.has(key) ? 'reuse' : 'start', key);
	let entry = kept.get(key);
	if (entry?.busy) return startPrivateHost(db, options);
	if (!entry) {
		const host = await startPrivateHost(db, options);
		const baseline = (await host.admin('GET', '/settings')).body.data as Record<string, unknown>;
		entry = { host, busy: false, baseline, touched: new Set() };
		kept.set(key, entry);
	}
	kept.delete(key);
	kept.set(key, entry); // most recently used last
	entry.busy = true;
	const own = entry;
	const logsFrom = own.host.logs().length;
	const siblings: { stop: () => Promise<void> }[] = [];
	const refuse = (what: string) => () => {
		throw new Error(`${what} needs a host of the file's own: startTestHost({ ..., exclusive: true })`);
	};
	return {
		...own.host,
		// What the host logged while this file had it.
		logs: () => own.host.logs().slice(logsFrom),
		async setSettings(settings) {
			for (const name of Object.keys(settings)) own.touched.add(name);
			await own.host.setSettings(settings);
		},
		kill: refuse('kill'),
		restart: refuse('restart'),
		async startSibling(env) {
			const sibling = await own.host.startSibling(env);
			siblings.push(sibling);
			return sibling;
		},
		async stop() {
			for (const sibling of siblings.splice(0)) await sibling.stop().catch(() => {});
			if (own.touched.size > 0) await own.host.setSettings(Object.fromEntries([...own.touched].map((name) => [name, own.baseline[name] ?? null])));
			own.touched.clear();
			own.host.mailbox.holdReplies = false;
			if (!own.host.mailbox.listening) await own.host.mailbox.start();
			own.host.mailbox.mails.length = 0;
			own.busy = false;
			const idle = [...kept].filter(([, e]) => !e.busy);
			for (const [oldKey, old] of idle.slice(0, Math.max(0, idle.length - MAX_IDLE))) {
				kept.delete(oldKey);
				await old.host.stop();
			}
		},
	};
}

async function startPrivateHost(db: Db, options: TestHostOptions): Promise<TestHost> {
	const mailbox = new Mailbox();
	const smtpPort = await mailbox.start();
	// No Data Studio unless a file asks for it (the browser files do): building the app's
	// extension bundle is a second of each start.
	const env = { EMAIL_SMTP_PORT: String(smtpPort), SERVE_APP: 'false', ...options.env };
	const first = await startHost({ db, env, extraExtensions: options.extraExtensions, template: templateOf(db), publicHostname: options.publicHostname });
	let host = first;
	// Processes replaced by `restart`: stopped (their logs closed) with the rest.
	const replaced: (typeof first)[] = [];
	const knex = knexFactory(knexConfig(db, host.env));

	const api: TestHost['api'] = async (method, path, body, opts = {}) => {
		const headers: Record<string, string> = { ...opts.headers };
		if (body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
		if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
		const started = performance.now();
		const res = await fetch(host.url + path, {
			method,
			headers,
			body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
			redirect: 'manual',
		});
		const text = await res.text();
		const ms = performance.now() - started;
		let parsed: any = null;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			parsed = text;
		}
		return { status: res.status, body: parsed, text, headers: res.headers, ms };
	};

	const adminLogin = await api('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
	if (adminLogin.status !== 200) throw new Error(`admin login failed: ${adminLogin.status} ${adminLogin.text}`);
	const adminToken: string = adminLogin.body.data.access_token;
	const admin: TestHost['admin'] = (method, path, body) => api(method, path, body, { token: adminToken });

	const expectOk = (res: ApiResponse, what: string) => {
		if (res.status >= 300) throw new Error(`${what} failed: ${res.status} ${res.text}`);
		return res;
	};

	const siblings: { stop: () => Promise<void> }[] = [];

	const login: TestHost['login'] = (email, password, extra = {}) => api('POST', '/auth/login', { email, password, ...extra });
	const loginToken: TestHost['loginToken'] = async (email, password) => {
		const res = await login(email, password);
		expect(res.status, `login as ${email}: ${res.text}`).toBe(200);
		return res.body.data.access_token;
	};
	const createUser: TestHost['createUser'] = async (fields) => {
		const res = expectOk(await admin('POST', '/users', fields), 'create user');
		return res.body.data.id;
	};

	return {
		db,
		url: host.url,
		publicUrl: host.publicUrl,
		mailbox,
		knex,
		adminToken,
		logs: () => host.logs(),
		api,
		admin,
		login,
		loginToken,
		async createApiRole(name, permissions = [], options = {}) {
			const policy = expectOk(await admin('POST', '/policies', { name: `${name} policy`, app_access: false, admin_access: false }), 'create policy');
			const policyId = policy.body.data.id;
			for (const p of permissions) {
				expectOk(await admin('POST', '/permissions', { policy: policyId, collection: p.collection, action: p.action, fields: p.fields ?? ['*'] }), 'create permission');
			}
			const role = expectOk(await admin('POST', '/roles', { ...(options.id ? { id: options.id } : {}), name, policies: [{ policy: policyId }] }), 'create role');
			return role.body.data.id;
		},
		createUser,
		async createApiUser(role, email, fields = {}) {
			const user = { email, password: PASSWORD, role, status: 'active', ...fields };
			const id = await createUser(user);
			return { id, token: await loginToken(String(user.email), String(user.password)) };
		},
		userByEmail: (email) => knex('directus_users').whereRaw('LOWER(email) = ?', [email.toLowerCase()]).first(),
		userCount: async () => Number((await knex('directus_users').count({ n: '*' }).first())!.n),
		async setSettings(settings) {
			expectOk(await admin('PATCH', '/settings', settings), 'update settings');
		},
		async startSibling(extraEnv = {}) {
			const sibling = await startHost({ db, dir: host.dir, database: host.database, bootstrap: false, env: { ...env, ...extraEnv }, extraExtensions: options.extraExtensions, publicHostname: options.publicHostname });
			const handle = { url: sibling.url, logs: sibling.logs, stop: () => sibling.stop({ dropDatabase: false }), kill: (signal?: NodeJS.Signals) => sibling.kill(signal) };
			siblings.push(handle);
			return handle;
		},
		kill: (signal) => host.kill(signal),
		async restart(extraEnv = {}) {
			await host.kill('SIGKILL');
			replaced.push(host);
			host = await startHost({ db, dir: first.dir, database: first.database, bootstrap: false, env: { ...env, ...extraEnv }, port: Number(new URL(first.url).port), extraExtensions: options.extraExtensions, publicHostname: options.publicHostname });
		},
		async stop() {
			for (const sibling of siblings) await sibling.stop().catch(() => {});
			for (const old of replaced) await old.stop({ dropDatabase: false }).catch(() => {});
			await knex.destroy();
			await host.stop();
			await mailbox.stop();
		},
	};
}

function knexConfig(db: Db, env: Record<string, string>): Knex.Config {
	if (db === 'sqlite') return { client: 'sqlite3', connection: { filename: env['DB_FILENAME']! }, useNullAsDefault: true, pool: { min: 1, max: 1 } };
	// Named, so fault tests can tell the harness's own sessions from the host's.
	if (db === 'postgres') return { client: 'pg', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: env['DB_DATABASE'], application_name: HARNESS_DB_APPLICATION }, pool: { min: 0, max: 4 } };
	return { client: 'mysql2', connection: { host: '127.0.0.1', port: 3306, user: 'root', database: env['DB_DATABASE'] }, pool: { min: 0, max: 4 } };
}

/** Asserts nothing secret appears in the host's log (tokens, codes, passwords). */
export function logsContain(host: TestHost, secret: string): boolean {
	return host.logs().includes(secret);
}
