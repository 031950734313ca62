// Sessions: a user lists and ends their own sessions, an admin (or whoever may update that user)
// a user's; ending is immediate for refresh tokens and session-mode access tokens; no token ever
// appears in an answer; every ending is audited and announced to other extensions.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';

const LISTENER = fileURLToPath(new URL('../../fixtures/directus-extension-sessions-listener', import.meta.url));

interface Login {
	/** The access token (for a session-mode login: the session JWT from its cookie). */
	token: string;
	/** The raw session token (refresh token, or the session cookie's session). */
	raw: string;
	mode: 'json' | 'session';
}

describe.each(await availableDatabases())('sessions on %s', (db) => {
	let host: TestHost;
	let role: string;
	let seq = 0;
	const listenerFile = join(mkdtempSync(join(tmpdir(), 'sessions-listener-')), 'events.jsonl');
	const newEmail = () => `sessions.${db}.${++seq}@example.com`;

	const newUser = async () => {
		const email = newEmail();
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		return { id, email };
	};
	const jsonLogin = async (email: string): Promise<Login> => {
		const res = await host.api('POST', '/auth/login', { email, password: PASSWORD, mode: 'json' });
		expect(res.status, res.text).toBe(200);
		return { token: res.body.data.access_token, raw: res.body.data.refresh_token, mode: 'json' };
	};
	const sessionLogin = async (email: string): Promise<Login> => {
		const res = await host.api('POST', '/auth/login', { email, password: PASSWORD, mode: 'session' });
		expect(res.status, res.text).toBe(200);
		const cookie = /directus_session_token=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
		expect(cookie).toBeTruthy();
		const claims = JSON.parse(Buffer.from(cookie!.split('.')[1]!, 'base64url').toString('utf8'));
		return { token: cookie!, raw: claims.session, mode: 'session' };
	};
	/** A JSON-mode login names its session with its refresh token. */
	const as = (login: Login) => ({ token: login.token, headers: login.mode === 'json' ? { 'x-refresh-token': login.raw } : undefined });
	const mine = (login: Login) => host.api('GET', '/user-lifecycle/sessions', undefined, as(login));
	const endMine = (login: Login, query: string) => host.api('DELETE', `/user-lifecycle/sessions${query}`, undefined, as(login));
	const rows = async (user: string) => host.knex('directus_sessions').where({ user });
	const refreshes = async (login: Login) => (await host.api('POST', '/auth/refresh', { refresh_token: login.raw, mode: 'json' })).status;
	const works = async (login: Login) => (await host.api('GET', '/users/me', undefined, { token: login.token })).status;
	const auditOf = async (user: string) => host.knex('user_lifecycle_events').where({ user, event: 'sessions-ended' }).orderBy('at', 'asc');
	const heard = () => (existsSync(listenerFile) ? readFileSync(listenerFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);
	const noTokenIn = (res: ApiResponse, logins: Login[]) => {
		for (const login of logins) {
			expect(res.text).not.toContain(login.raw);
			expect(res.text).not.toContain(login.token);
		}
	};

	beforeAll(async () => {
		host = await startTestHost({ db, extraExtensions: [LISTENER], env: { SESSIONS_LISTENER_FILE: listenerFile, USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *' } });
		role = await host.createApiRole('Session users');
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('lists the caller\'s sessions: two logins, two entries, one current, no token anywhere', async () => {
		const { id, email } = await newUser();
		const json = await jsonLogin(email);
		const session = await sessionLogin(email);
		const other = await newUser();
		await jsonLogin(other.email);

		for (const caller of [session, json]) {
			const res = await mine(caller);
			expect(res.status, res.text).toBe(200);
			const list = res.body.data as any[];
			expect(list).toHaveLength(2);
			expect(list.filter((s) => s.current)).toHaveLength(1);
			expect(list[0].current).toBe(true);
			for (const entry of list) {
				expect(Object.keys(entry).sort()).toEqual(['current', 'expires', 'id', 'ip', 'oauth_client', 'origin', 'user_agent']);
				expect(entry.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
				expect(Date.parse(entry.expires)).toBeGreaterThan(Date.now());
			}
			noTokenIn(res, [json, session]);
		}
		// Without naming its session, a JSON-mode caller sees its sessions, none of them current.
		const anonymous = await host.api('GET', '/user-lifecycle/sessions', undefined, { token: json.token });
		expect(anonymous.body.data.map((s: any) => s.current)).toEqual([false, false]);
		// The id of the session each caller is on differs, and neither is the other's.
		const a = (await mine(session)).body.data.find((s: any) => s.current).id;
		const b = (await mine(json)).body.data.find((s: any) => s.current).id;
		expect(a).not.toBe(b);
		expect(await rows(id)).toHaveLength(2);
	});

	it('"others" ends the other login at once (its refresh fails) and keeps this one; audited and announced', async () => {
		const { id, email } = await newUser();
		const json = await jsonLogin(email);
		const session = await sessionLogin(email);
		const res = await endMine(session, '?scope=others');
		expect(res.status, res.text).toBe(200);
		expect(res.body).toEqual({ data: { ended: 1 } });
		expect(await refreshes(json)).toBe(401);
		expect(await works(session)).toBe(200);
		expect(await rows(id)).toHaveLength(1);
		const audit = await auditOf(id);
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({ actor: id, via: 'api', reason: '1 session ended (scope: others)' });
		await expect.poll(() => heard().filter((e) => e.user === id), { timeout: 5000 }).toEqual([{ event: 'user-lifecycle.sessions-ended', user: id, actor: id, via: 'api', count: 1, scope: 'others' }]);

		// A JSON-mode caller names its session to keep it.
		const json2 = await jsonLogin(email);
		const json3 = await jsonLogin(email);
		expect((await endMine(json2, '?scope=others')).body).toEqual({ data: { ended: 2 } });
		expect(await works(session)).toBe(401);
		expect(await refreshes(json3)).toBe(401);
		expect(await refreshes(json2)).toBe(200);
	});

	it('a cookie-mode login is recognised by its refresh-token cookie; ending it clears the cookie', async () => {
		const { id, email } = await newUser();
		const json = await jsonLogin(email);
		const res = await host.api('POST', '/auth/login', { email, password: PASSWORD, mode: 'cookie' });
		expect(res.status, res.text).toBe(200);
		const raw = /directus_refresh_token=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
		const cookie: Login = { token: res.body.data.access_token, raw, mode: 'session' };
		const opts = { token: cookie.token, headers: { cookie: `directus_refresh_token=${raw}` } };
		const list = await host.api('GET', '/user-lifecycle/sessions', undefined, opts);
		expect(list.body.data.map((s: any) => s.current)).toEqual([true, false]);
		noTokenIn(list, [json, cookie]);
		const others = await host.api('DELETE', '/user-lifecycle/sessions?scope=others', undefined, opts);
		expect(others.body).toEqual({ data: { ended: 1 } });
		expect(others.headers.get('set-cookie')).toBeNull();
		expect(await refreshes(json)).toBe(401);
		const all = await host.api('DELETE', '/user-lifecycle/sessions?scope=all', undefined, opts);
		expect(all.body).toEqual({ data: { ended: 1 } });
		expect(all.headers.get('set-cookie')).toMatch(/^directus_refresh_token=;/);
		expect(await rows(id)).toHaveLength(0);
	});

	it('"others" without a known current session is 400 and ends nothing', async () => {
		const { id, email } = await newUser();
		const json = await jsonLogin(email);
		await jsonLogin(email);
		for (const headers of [undefined, { 'x-refresh-token': 'not-a-session-of-mine' }]) {
			const res = await host.api('DELETE', '/user-lifecycle/sessions?scope=others', undefined, { token: json.token, headers });
			expect(res.status, res.text).toBe(400);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		}
		// Another user's refresh token does not make a session one's own.
		const stranger = await jsonLogin((await newUser()).email);
		const res = await host.api('DELETE', '/user-lifecycle/sessions?scope=others', undefined, { token: json.token, headers: { 'x-refresh-token': stranger.raw } });
		expect(res.status).toBe(400);
		expect(await refreshes(stranger)).toBe(200);
		expect(await rows(id)).toHaveLength(2);
		expect(await auditOf(id)).toHaveLength(0);
	});

	it('a session-mode access token stops working at once when its session is ended by id', async () => {
		const { id, email } = await newUser();
		const session = await sessionLogin(email);
		const json = await jsonLogin(email);
		expect(await works(session)).toBe(200);
		const target = (await mine(session)).body.data.find((s: any) => s.current).id;
		const res = await host.api('DELETE', `/user-lifecycle/sessions/${target}`, undefined, as(json));
		expect(res.status, res.text).toBe(200);
		expect(res.body).toEqual({ data: { ended: 1 } });
		expect(await works(session)).toBe(401);
		expect(await refreshes(json)).toBe(200);
		// Gone: the same id again is the host's 403.
		expect((await host.api('DELETE', `/user-lifecycle/sessions/${target}`, undefined, as(json))).status).toBe(403);
		expect(await auditOf(id)).toHaveLength(1);
		expect((await auditOf(id))[0].reason).toBe('1 session ended (scope: one)');
	});

	it('ending the current session by its own id ends it; the session cookie is cleared', async () => {
		const { email } = await newUser();
		const session = await sessionLogin(email);
		const own = (await mine(session)).body.data[0].id;
		const res = await host.api('DELETE', `/user-lifecycle/sessions/${own}`, undefined, { headers: { cookie: `directus_session_token=${session.token}` } });
		expect(res.status, res.text).toBe(200);
		expect(res.headers.get('set-cookie')).toMatch(/^directus_session_token=;/);
		expect(await works(session)).toBe(401);
	});

	it('"all" ends every session, the current one included', async () => {
		const { id, email } = await newUser();
		const json = await jsonLogin(email);
		const session = await sessionLogin(email);
		const res = await endMine(session, '?scope=all');
		expect(res.body).toEqual({ data: { ended: 2 } });
		expect(await works(session)).toBe(401);
		expect(await refreshes(json)).toBe(401);
		expect(await rows(id)).toHaveLength(0);
		expect((await auditOf(id))[0]).toMatchObject({ reason: '2 sessions ended (scope: all)' });
	});

	it('a refreshed session-mode login is still one session, and ending it ends both of its rows', async () => {
		const { id, email } = await newUser();
		const session = await sessionLogin(email);
		const json = await jsonLogin(email);
		const refreshed = await host.api('POST', '/auth/refresh', { mode: 'session' }, { headers: { cookie: `directus_session_token=${session.token}` } });
		expect(refreshed.status, refreshed.text).toBe(200);
		const cookie = /directus_session_token=([^;]+)/.exec(refreshed.headers.get('set-cookie') ?? '')![1]!;
		const next: Login = { token: cookie, raw: JSON.parse(Buffer.from(cookie.split('.')[1]!, 'base64url').toString('utf8')).session, mode: 'session' };
		expect(await rows(id)).toHaveLength(3); // the old row lives on for the grace period
		for (const caller of [session, next]) {
			const list = (await mine(caller)).body.data;
			expect(list).toHaveLength(2);
			expect(list.filter((s: any) => s.current)).toHaveLength(1);
		}
		expect((await endMine(json, '?scope=others')).body).toEqual({ data: { ended: 1 } });
		expect(await works(session)).toBe(401);
		expect(await works(next)).toBe(401);
		expect(await rows(id)).toHaveLength(1);
	});

	it('a user can neither list nor end another user\'s sessions', async () => {
		const victim = await newUser();
		const victimLogin = await sessionLogin(victim.email);
		const victimSession = (await mine(victimLogin)).body.data[0].id;
		const attacker = await newUser();
		const attackerLogin = await jsonLogin(attacker.email);
		const made = 'A'.repeat(43);
		for (const [method, path] of [
			['DELETE', `/user-lifecycle/sessions/${victimSession}`],
			['DELETE', `/user-lifecycle/sessions/${made}`],
			['GET', `/user-lifecycle/users/${victim.id}/sessions`],
			['GET', `/user-lifecycle/users/00000000-0000-4000-8000-000000000000/sessions`],
			['DELETE', `/user-lifecycle/users/${victim.id}/sessions`],
			['DELETE', `/user-lifecycle/users/00000000-0000-4000-8000-000000000000/sessions`],
			['DELETE', `/user-lifecycle/users/${victim.id}/sessions/${victimSession}`],
		] as const) {
			const res = await host.api(method, path, undefined, as(attackerLogin));
			expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
			expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
		}
		expect(await works(victimLogin)).toBe(200);
		expect(await auditOf(victim.id)).toHaveLength(0);
	});

	it('an admin, or whoever may update that user, lists and ends a user\'s sessions; a reader may not', async () => {
		const { id, email } = await newUser();
		const a = await sessionLogin(email);
		const b = await jsonLogin(email);
		const listed = await host.admin('GET', `/user-lifecycle/users/${id}/sessions`);
		expect(listed.status, listed.text).toBe(200);
		expect(listed.body.data).toHaveLength(2);
		expect(listed.body.data.every((s: any) => s.current === false)).toBe(true);
		noTokenIn(listed, [a, b]);

		const readerRole = await host.createApiRole('Session readers', [{ collection: 'directus_users', action: 'read' }]);
		const reader = await host.createApiUser(readerRole, newEmail());
		for (const target of [id, '00000000-0000-4000-8000-000000000000']) {
			expect((await host.api('GET', `/user-lifecycle/users/${target}/sessions`, undefined, { token: reader.token })).status).toBe(403);
			expect((await host.api('DELETE', `/user-lifecycle/users/${target}/sessions`, undefined, { token: reader.token })).status).toBe(403);
		}
		expect((await host.admin('GET', `/user-lifecycle/users/00000000-0000-4000-8000-000000000000/sessions`)).status).toBe(403);

		const managerRole = await host.createApiRole('Session managers', [{ collection: 'directus_users', action: 'update' }]);
		const manager = await host.createApiUser(managerRole, newEmail());
		const byManager = await host.api('GET', `/user-lifecycle/users/${id}/sessions`, undefined, { token: manager.token });
		expect(byManager.status, byManager.text).toBe(200);
		const one = byManager.body.data.find((s: any) => s.expires && s.id);
		expect((await host.api('DELETE', `/user-lifecycle/users/${id}/sessions/${one.id}`, undefined, { token: manager.token })).body).toEqual({ data: { ended: 1 } });
		expect(await rows(id)).toHaveLength(1);

		const adminId = (await host.admin('GET', '/users/me')).body.data.id;
		const all = await host.admin('DELETE', `/user-lifecycle/users/${id}/sessions`);
		expect(all.body).toEqual({ data: { ended: 1 } });
		expect(await works(a)).toBe(401);
		expect(await refreshes(b)).toBe(401);
		const audit = await auditOf(id);
		expect(audit.map((e: any) => [e.actor, e.reason])).toEqual([
			[manager.id, '1 session ended (scope: one)'],
			[adminId, '1 session ended (scope: all)'],
		]);
		await expect.poll(() => heard().filter((e) => e.user === id).map((e) => e.actor), { timeout: 5000 }).toEqual([manager.id, adminId]);
		// The admin's own session (its token) is untouched.
		expect((await host.admin('GET', '/users/me')).status).toBe(200);
	});

	it('bad input is 4xx in the host\'s format and ends nothing', async () => {
		const { id, email } = await newUser();
		const session = await sessionLogin(email);
		await jsonLogin(email);
		const bad: [string, string, unknown?][] = [
			['DELETE', '/user-lifecycle/sessions'],
			['DELETE', '/user-lifecycle/sessions?scope=everything'],
			['DELETE', '/user-lifecycle/sessions?scope=others&scope=all'],
			['DELETE', '/user-lifecycle/sessions?scope=all&extra=1'],
			['DELETE', '/user-lifecycle/sessions?scope=all', { force: true }],
			['DELETE', '/user-lifecycle/sessions?scope=all', ['x']],
			['DELETE', '/user-lifecycle/sessions/abc'],
			['DELETE', `/user-lifecycle/sessions/${'A'.repeat(44)}`],
			['DELETE', `/user-lifecycle/sessions/${'A'.repeat(42)}%2F`],
			['DELETE', '/user-lifecycle/sessions/%'],
			['DELETE', `/user-lifecycle/sessions/${'A'.repeat(43)}?scope=all`],
			['DELETE', `/user-lifecycle/users/${id}/sessions?scope=some`],
			['DELETE', '/user-lifecycle/users/not-a-uuid/sessions'],
			['GET', '/user-lifecycle/users/not-a-uuid/sessions'],
			['DELETE', `/user-lifecycle/users/${id}/sessions/nope`],
		];
		for (const [method, path, body] of bad) {
			const res = await host.api(method, path, body, as(session));
			expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBeGreaterThanOrEqual(400);
			expect(res.status, `${method} ${path}`).toBeLessThan(500);
			expect(res.body.errors[0].extensions.code, `${method} ${path}`).toBe('INVALID_PAYLOAD');
		}
		const control = await host.api('GET', '/user-lifecycle/sessions', undefined, { token: session.token, headers: { 'x-refresh-token': 'a'.repeat(5000) } });
		expect(control.status).toBe(400);
		expect(await rows(id)).toHaveLength(2);
		expect(await auditOf(id)).toHaveLength(0);
		expect(await works(session)).toBe(200);
	});

	it('unauthenticated callers get the host\'s refusal', async () => {
		const made = 'A'.repeat(43);
		for (const [method, path] of [
			['GET', '/user-lifecycle/sessions'],
			['DELETE', '/user-lifecycle/sessions?scope=all'],
			['DELETE', `/user-lifecycle/sessions/${made}`],
			['GET', '/user-lifecycle/users/00000000-0000-4000-8000-000000000000/sessions'],
			['DELETE', '/user-lifecycle/users/00000000-0000-4000-8000-000000000000/sessions'],
		] as const) {
			const res = await host.api(method, path);
			expect([401, 403], `${method} ${path}: ${res.text}`).toContain(res.status);
			expect(res.body.errors[0].extensions.code).toMatch(/INVALID_CREDENTIALS|FORBIDDEN/);
		}
		const expired = await host.api('GET', '/user-lifecycle/sessions', undefined, { token: 'not-a-token' });
		expect(expired.status).toBe(401);
	});
});
