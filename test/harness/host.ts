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

/** Databases the integration suite runs on (USER_LIFECYCLE_TEST_DBS, default all three): PostgreSQL/MariaDB only when they answer. */
export async function availableDatabases(): Promise<Db[]> {
	const wanted = (process.env['USER_LIFECYCLE_TEST_DBS'] ?? 'sqlite,postgres,mysql').split(',');
	const dbs: Db[] = wanted.includes('sqlite') ? ['sqlite'] : [];
	for (const db of ['postgres', 'mysql'] as const) {
		if (!wanted.includes(db)) continue;
		if (await databaseAnswers(db)) dbs.push(db);
		else console.warn(`[user-lifecycle tests] NOTICE: ${db} does not answer on 127.0.0.1; its integration run is skipped`);
	}
	return dbs;
}

/** `extraExtensions`: folders of other extensions (package.json + code) the host loads next to ours. */
export async function startTestHost(options: { db?: Db; env?: Record<string, string | null>; extraExtensions?: string[] } = {}): Promise<TestHost> {
	const db = options.db ?? 'sqlite';
	const mailbox = new Mailbox();
	const smtpPort = await mailbox.start();
	const env = { EMAIL_SMTP_PORT: String(smtpPort), ...options.env };
	const first = await startHost({ db, env, extraExtensions: options.extraExtensions });
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
			const sibling = await startHost({ db, dir: host.dir, database: host.database, bootstrap: false, env: { ...env, ...extraEnv }, extraExtensions: options.extraExtensions });
			const handle = { url: sibling.url, logs: sibling.logs, stop: () => sibling.stop({ dropDatabase: false }), kill: (signal?: NodeJS.Signals) => sibling.kill(signal) };
			siblings.push(handle);
			return handle;
		},
		kill: (signal) => host.kill(signal),
		async restart(extraEnv = {}) {
			await host.kill('SIGKILL');
			replaced.push(host);
			host = await startHost({ db, dir: first.dir, database: first.database, bootstrap: false, env: { ...env, ...extraEnv }, port: Number(new URL(first.url).port), extraExtensions: options.extraExtensions });
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
