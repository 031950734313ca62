// Signing in by mail, as a person does it: ask, read the link and the code out of the mail, open
// the link (a GET spends nothing), click (a POST), and use the session the host's own routes
// accept, in each of the host's login modes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, logsContain, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import { EVENT_RECORDER, expectError, secretsOf, SIGN_IN_ENV, SIGN_IN_URL, signInEvents, STALL } from './profile.js';

const cookieOf = (res: ApiResponse, name: string) =>
	res.headers
		.getSetCookie()
		.map((line) => line.split(';')[0]!)
		.find((pair) => pair.startsWith(`${name}=`));

describe.each(await availableDatabases())('email sign-in on %s', (db) => {
	let host: TestHost;
	let role: string;
	const secrets: string[] = [];

	const ask = async (email: string, extra: Record<string, unknown> = {}) => {
		const res = await host.api('POST', '/user-lifecycle/email-sign-in/request', { email, ...extra });
		expect(res.status, res.text).toBe(204);
		return res;
	};
	/** Asks and reads the `nth` mail to `email` (waits for it). */
	const mailed = async (email: string, nth: number, extra: Record<string, unknown> = {}) => {
		await ask(email, extra);
		const mail = (await host.mailbox.waitFor(email, nth))[nth - 1]!;
		const found = secretsOf(mail);
		secrets.push(found.token, found.code);
		return { ...found, mail };
	};
	const verify = (body: Record<string, unknown>, headers: Record<string, string> = {}) => host.api('POST', '/user-lifecycle/email-sign-in/verify', body, { headers });
	const activeUser = (email: string, fields: Record<string, unknown> = {}) => host.createUser({ email, password: PASSWORD, role, status: 'active', ...fields });
	const me = (token: string) => host.api('GET', '/users/me?fields=id', undefined, { token });

	beforeAll(async () => {
		host = await startTestHost({ db, env: SIGN_IN_ENV, extraExtensions: [EVENT_RECORDER] });
		role = await host.createApiRole('Email sign-in users');
		await host.setSettings({ project_name: 'Sign-in Project' });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a link signs in once (json mode); opening it (GET) spends nothing; the session refreshes and logs out with the host; audited; the event names no secret', async () => {
		const email = 'signin.link@example.com';
		const id = await activeUser(email, { first_name: 'Lina' });
		const { token, code, link, mail } = await mailed(email, 1);
		expect(mail.subject).toBe('Your sign-in link');
		expect(link.startsWith(`${host.url}/user-lifecycle/sign-in?token=`)).toBe(true);
		expect(mail.html).toContain('Sign in to Sign-in Project');
		expect(mail.html).toContain('Hello Lina,');
		expect(token.length).toBeGreaterThanOrEqual(43);
		expect(code).toMatch(/^\d{6}$/);
		// only hashes are stored; the outbox erased the mail's data once sent
		const stored = JSON.stringify(await host.knex('user_lifecycle_email_sign_ins').where({ user_id: id }));
		const outbox = JSON.stringify(await host.knex('user_lifecycle_outbox').where({ recipient: email }));
		for (const secret of [token, code]) {
			expect(stored).not.toContain(secret);
			expect(outbox).not.toContain(secret);
		}

		// a mail scanner (or the person) opening the link: the page (served by the sign-in page's
		// capability, when there is one) signs nobody in; the API has no GET that takes a token
		const page = new URL(link).pathname + new URL(link).search;
		for (const method of ['GET', 'HEAD']) {
			const opened = await host.api(method, page);
			expect(opened.status, `${method} ${page}: ${opened.text}`).toBeLessThan(500);
			expect(opened.headers.getSetCookie()).toEqual([]);
			for (const path of [`/user-lifecycle/email-sign-in/verify?token=${token}`, `/user-lifecycle/email-sign-in/request?token=${token}`]) {
				const answer = await host.api(method, path);
				expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(404);
				expect(answer.headers.getSetCookie()).toEqual([]);
			}
		}

		const signedIn = await verify({ token });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect(Object.keys(signedIn.body.data).sort()).toEqual(['access_token', 'expires', 'refresh_token']);
		expect(signedIn.body.data.expires).toBe(3_600_000);
		expect((await me(signedIn.body.data.access_token)).body.data.id).toBe(id);
		expectError(await verify({ token }), 403, 'INVALID_TOKEN');
		expectError(await verify({ email, code }), 401, 'INVALID_CREDENTIALS');

		const refreshed = await host.api('POST', '/auth/refresh', { refresh_token: signedIn.body.data.refresh_token, mode: 'json' });
		expect(refreshed.status, refreshed.text).toBe(200);
		expect((await me(refreshed.body.data.access_token)).body.data.id).toBe(id);
		expect((await host.api('POST', '/auth/logout', { refresh_token: refreshed.body.data.refresh_token })).status).toBe(204);
		const afterLogout = await host.api('POST', '/auth/refresh', { refresh_token: refreshed.body.data.refresh_token, mode: 'json' });
		expect(afterLogout.status).toBeGreaterThanOrEqual(400);
		expect(afterLogout.status).toBeLessThan(500);

		const audit = await host.knex('user_lifecycle_events').where({ user: id, event: 'email-sign-in' });
		expect(audit).toHaveLength(1);
		expect(audit[0]).toMatchObject({ actor: null, via: 'api', reason: 'mailed link' });
		const activity = await host.knex('directus_activity').where({ user: id, action: 'login' });
		expect(activity).toHaveLength(1);
		const deadline = Date.now() + 10_000;
		while (signInEvents(id).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
		const events = signInEvents(id);
		expect(events).toHaveLength(1);
		expect(events[0]!.payload).toMatchObject({ user: id, actor: null, via: 'api', method: 'link', mode: 'json' });
		for (const secret of [token, code]) expect(JSON.stringify(events)).not.toContain(secret);
	});

	it('cookie mode: the refresh cookie the host\'s /auth/refresh and /auth/logout take', async () => {
		const email = 'signin.cookie@example.com';
		const id = await activeUser(email);
		const { token } = await mailed(email, 1);
		const signedIn = await verify({ token, mode: 'cookie' });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect(Object.keys(signedIn.body.data).sort()).toEqual(['access_token', 'expires']);
		const cookie = cookieOf(signedIn, 'directus_refresh_token');
		expect(cookie).toBeDefined();
		expect(signedIn.headers.getSetCookie()[0]).toMatch(/HttpOnly/i);
		expect((await me(signedIn.body.data.access_token)).body.data.id).toBe(id);
		const refreshed = await host.api('POST', '/auth/refresh', { mode: 'cookie' }, { headers: { cookie: cookie! } });
		expect(refreshed.status, refreshed.text).toBe(200);
		const next = cookieOf(refreshed, 'directus_refresh_token')!;
		expect((await host.api('POST', '/auth/logout', { mode: 'cookie' }, { headers: { cookie: next } })).status).toBe(204);
		expect((await host.api('POST', '/auth/refresh', { mode: 'cookie' }, { headers: { cookie: next } })).status).toBeGreaterThanOrEqual(400);
	});

	it('session mode: the session cookie the host reads on every request, refreshes and ends', async () => {
		const email = 'signin.session@example.com';
		const id = await activeUser(email);
		const { token } = await mailed(email, 1);
		const signedIn = await verify({ token, mode: 'session' });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect(Object.keys(signedIn.body.data)).toEqual(['expires']);
		const cookie = cookieOf(signedIn, 'directus_session_token')!;
		expect(cookie).toBeDefined();
		const asCookie = (path: string) => host.api('GET', path, undefined, { headers: { cookie } });
		expect((await asCookie('/users/me?fields=id')).body.data.id).toBe(id);
		const refreshed = await host.api('POST', '/auth/refresh', { mode: 'session' }, { headers: { cookie } });
		expect(refreshed.status, refreshed.text).toBe(200);
		const renewed = cookieOf(refreshed, 'directus_session_token')!;
		expect((await host.api('GET', '/users/me?fields=id', undefined, { headers: { cookie: renewed } })).body.data.id).toBe(id);
		expect((await host.api('POST', '/auth/logout', { mode: 'session' }, { headers: { cookie: renewed } })).status).toBe(204);
		expect((await host.api('GET', '/users/me?fields=id', undefined, { headers: { cookie: renewed } })).status).toBeGreaterThanOrEqual(400);
	});

	it('the code signs in; a wrong code and an unknown address answer alike; the code and the link are one request', async () => {
		const email = 'signin.code@example.com';
		const id = await activeUser(email);
		const { token, code } = await mailed(email, 1);
		const wrong = code === '000000' ? '000001' : '000000';
		const answers = [await verify({ email, code: wrong }), await verify({ email: 'signin.nobody@example.com', code }), await verify({ email: email.toUpperCase(), code: wrong })];
		for (const res of answers) {
			expectError(res, 401, 'INVALID_CREDENTIALS');
			expect(res.text).toBe(answers[0]!.text);
		}
		const signedIn = await verify({ email: email.toUpperCase(), code, mode: 'json' });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect((await me(signedIn.body.data.access_token)).body.data.id).toBe(id);
		// the code spent the request: its link with it
		expectError(await verify({ token }), 403, 'INVALID_TOKEN');
		expectError(await verify({ email, code }), 401, 'INVALID_CREDENTIALS');
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'email-sign-in', reason: 'mailed code' })).toHaveLength(1);
	});

	it('five wrong codes end the request (its link too); four wrong and then the right one sign in', async () => {
		const email = 'signin.guess@example.com';
		await activeUser(email);
		const first = await mailed(email, 1);
		const wrongCodes = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((c) => c !== first.code).slice(0, 5);
		for (const guess of wrongCodes) expectError(await verify({ email, code: guess }), 401, 'INVALID_CREDENTIALS');
		expectError(await verify({ email, code: first.code }), 401, 'INVALID_CREDENTIALS');
		expectError(await verify({ token: first.token }), 403, 'INVALID_TOKEN');

		const second = await mailed(email, 2);
		const others = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((c) => c !== second.code).slice(0, 4);
		for (const guess of others) expectError(await verify({ email, code: guess }), 401, 'INVALID_CREDENTIALS');
		expect((await verify({ email, code: second.code })).status).toBe(200);
	});

	it('concurrent guesses: at most five codes are ever checked against one request', async () => {
		const email = 'signin.burst@example.com';
		await activeUser(email);
		const { code } = await mailed(email, 1);
		const guesses = Array.from({ length: 12 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
		await Promise.all(guesses.map((guess) => verify({ email, code: guess })));
		const [row] = await host.knex('user_lifecycle_email_sign_ins').where({ email });
		expect(Number(row.tries)).toBe(5);
		expect(row.ended_at).not.toBeNull();
		expectError(await verify({ email, code }), 401, 'INVALID_CREDENTIALS');
	});

	it('of concurrent uses of one link exactly one signs in', async () => {
		const email = 'signin.race@example.com';
		await activeUser(email);
		const { token, code } = await mailed(email, 1);
		const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? verify({ token }) : verify({ email, code }))));
		expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
		for (const res of answers.filter((r) => r.status !== 200)) expect([401, 403]).toContain(res.status);
	});

	it('a new request ends the earlier link and code; the new ones work', async () => {
		const email = 'signin.again@example.com';
		await activeUser(email);
		const old = await mailed(email, 1);
		const fresh = await mailed(email, 2);
		expect(fresh.token).not.toBe(old.token);
		expectError(await verify({ token: old.token }), 403, 'INVALID_TOKEN');
		if (old.code !== fresh.code) expectError(await verify({ email, code: old.code }), 401, 'INVALID_CREDENTIALS');
		expect((await verify({ token: fresh.token })).status).toBe(200);
	});

	it('a link past its 10 minutes answers 401 TOKEN_EXPIRED; its code is refused like a wrong one', async () => {
		const email = 'signin.expired@example.com';
		const id = await activeUser(email);
		const { token, code } = await mailed(email, 1);
		const [row] = await host.knex('user_lifecycle_email_sign_ins').where({ user_id: id });
		expect(Number(row.expires_at) - Number(row.created_at)).toBe(600_000);
		await host.knex('user_lifecycle_email_sign_ins').where({ user_id: id }).update({ expires_at: Date.now() - 1000 });
		expectError(await verify({ token }), 401, 'TOKEN_EXPIRED');
		expectError(await verify({ email, code }), 401, 'INVALID_CREDENTIALS');
	});

	it('sign_in_url: an allow-listed page gets the link (its own query kept); another is 400 alike for known and unknown addresses; the extension\'s own page always may', async () => {
		const email = 'signin.url@example.com';
		await activeUser(email);
		const { link } = await mailed(email, 1, { sign_in_url: `${SIGN_IN_URL}?lang=de` });
		expect(link.startsWith(`${SIGN_IN_URL}?lang=de&token=`)).toBe(true);
		for (const target of [email, 'signin.url.nobody@example.com']) {
			for (const url of ['https://evil.example.net/sign-in', 'https://app.example.com/other', 'http://app.example.com/sign-in', 'https://user:pw@app.example.com/sign-in']) {
				const res = await host.api('POST', '/user-lifecycle/email-sign-in/request', { email: target, sign_in_url: url });
				expectError(res, 400, 'INVALID_PAYLOAD');
				expect(res.body.errors[0].message).toContain("can't be used to sign in");
				expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
			}
		}
		const own = await mailed(email, 2, { sign_in_url: `${host.url}/user-lifecycle/sign-in` });
		expect(own.link.startsWith(`${host.url}/user-lifecycle/sign-in?token=`)).toBe(true);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(host.mailbox.to(email)).toHaveLength(2);
	});

	it('the mail is in the user\'s language, and the names in it are text', async () => {
		const email = 'signin.deutsch@example.com';
		await activeUser(email, { language: 'de-DE', first_name: '<b>Eva</b>' });
		const { mail } = await mailed(email, 1);
		expect(mail.subject).toBe('Ihr Anmeldelink');
		expect(mail.html).toContain('Bei Sign-in Project anmelden');
		expect(mail.html).toContain('Hallo &lt;b&gt;Eva&lt;/b&gt;,');
		expect(mail.html).not.toContain('<b>Eva</b>');
	});

	it('bad input of every shape: 4xx in the host\'s error format, never 5xx, nothing written', async () => {
		const email = 'signin.fuzzy@example.com';
		await activeUser(email);
		const count = async () => {
			const n = async (table: string) => Number((await host.knex(table).count({ n: '*' }).first())!.n);
			return { requests: await n('user_lifecycle_email_sign_ins'), outbox: await n('user_lifecycle_outbox'), sessions: await n('directus_sessions'), events: await n('user_lifecycle_events') };
		};
		const before = await count();
		const requestBodies: unknown[] = [
			null, [], 'a string', 42, {}, { email: 123 }, { email: null }, { email: [email] }, { email: { _eq: email } }, { email: 'not-an-email' },
			{ email: `${'x'.repeat(300)}@example.com` }, { email: 'nul\u0000@example.com' }, { email: '' }, { email, sign_in_url: 'javascript:alert(1)' },
			{ email, sign_in_url: 42 }, { email, sign_in_url: [SIGN_IN_URL] }, { email, extra: true }, { email, sign_in_url: `${SIGN_IN_URL}/${'r'.repeat(3000)}` },
		];
		const verifyBodies: unknown[] = [
			null, [], 'x', {}, { token: '' }, { token: 1 }, { token: ['abc'] }, { token: 'x'.repeat(5000) }, { token: 'abc', email, code: '123456' },
			{ email }, { code: '123456' }, { email, code: 123456 }, { email, code: '12345' }, { email, code: '1234567' }, { email, code: '12345a' },
			{ email, code: '١٢٣٤٥٦' }, { email: 'nope', code: '123456' }, { token: 'abc', mode: 'header' }, { token: 'abc', mode: 'JSON' }, { token: 'abc', otp: 123456 },
			{ token: 'abc', otp: '' }, { token: 'abc', otp: 'x'.repeat(100) }, { token: 'a\u0000b' }, { token: 'abc', extra: 1 }, { email, code: '123456', password: PASSWORD },
		];
		const sends: Promise<void>[] = [];
		const check = (res: ApiResponse, what: string) => {
			expect(res.status, `${what}: ${res.text}`).toBeGreaterThanOrEqual(400);
			expect(res.status, `${what}: ${res.text}`).toBeLessThan(500);
			expect(typeof res.body.errors[0].extensions.code, what).toBe('string');
		};
		for (const body of requestBodies) sends.push(host.api('POST', '/user-lifecycle/email-sign-in/request', body).then((res) => check(res, `request ${JSON.stringify(body)}`)));
		sends.push(host.api('POST', '/user-lifecycle/email-sign-in/request', undefined, { raw: '{"email":' }).then((res) => check(res, 'request: broken JSON')));
		for (const body of verifyBodies) sends.push(verify(body as Record<string, unknown>).then((res) => check(res, `verify ${JSON.stringify(body)}`)));
		sends.push(host.api('POST', '/user-lifecycle/email-sign-in/verify', undefined, { raw: '[[[' }).then((res) => check(res, 'verify: broken JSON')));
		await Promise.all(sends);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(await count()).toEqual(before);
		expect(host.mailbox.to(email)).toHaveLength(0);
	});

	it('no link, code or session token ever reaches the log', async () => {
		expect(secrets.length).toBeGreaterThan(10);
		for (const secret of secrets.filter((s) => s.length > 6)) expect(logsContain(host, secret)).toBe(false);
		// codes are six digits: look for them only where a log line would name one
		for (const code of secrets.filter((s) => s.length === 6)) expect(host.logs()).not.toMatch(new RegExp(`code[^\\n]{0,20}${code}`));
	});
});
