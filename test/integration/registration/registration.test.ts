import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';

const DEFAULT_ROLE = randomUUID();
const PARTNER_ROLE = randomUUID();
const VERIFY_URL = 'https://app.example.com/verify';
const STALL = 400;

const RULES = [
	{ filter: { email: { _ends_with: '@blocked.example.net' } }, action: 'deny' },
	{ filter: { email: { _ends_with: '@partner.example.com' } }, action: 'allow', role: PARTNER_ROLE },
	{ filter: { _and: [{ email: { _ends_with: '@review.example.com' } }, { title: { _neq: 'vip' } }] }, action: 'allow', status: 'draft' },
];

describe.each(await availableDatabases())('registration on %s', (db) => {
	let host: TestHost;
	const seenTokens: string[] = [];
	const responses: string[] = [];

	const register = async (body: unknown, raw?: string) => {
		const res = await host.api('POST', '/user-lifecycle/register', body, raw ? { raw } : {});
		responses.push(res.text);
		return res;
	};
	const verify = async (token: string) => {
		const res = await host.api('POST', '/user-lifecycle/register/verify-email', { token });
		responses.push(res.text);
		return res;
	};
	const tokenOf = async (email: string, nth = 1) => {
		const token = await host.mailbox.tokenFor(email, nth);
		seenTokens.push(token);
		return token;
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: {
				USER_REGISTER_URL_ALLOW_LIST: VERIFY_URL,
				REGISTER_STALL_TIME: String(STALL),
				USER_LIFECYCLE_REGISTER_FIELDS: 'title',
				USER_LIFECYCLE_REGISTER_RULES: JSON.stringify(RULES),
			},
		});
		for (const [id, name] of [[DEFAULT_ROLE, 'Registered'], [PARTNER_ROLE, 'Partner']] as const) {
			expect(await host.createApiRole(name, [], { id })).toBe(id);
		}
		await host.setSettings({
			public_registration: true,
			public_registration_verify_email: true,
			public_registration_role: DEFAULT_ROLE,
			auth_password_policy: '/^.{8,}$/',
		});
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('registers a new email: 204, one mail, unverified; verifying activates; the token is single-use', async () => {
		const email = 'new.person@example.com';
		const res = await register({ email, password: 'correct-horse', first_name: 'New', verification_url: VERIFY_URL });
		expect(res.status).toBe(204);
		expect(res.text).toBe('');
		const user = await host.userByEmail(email);
		expect(user.status).toBe('unverified');
		expect(user.role).toBe(DEFAULT_ROLE);
		expect(user.first_name).toBe('New');

		const mails = await host.mailbox.waitFor(email, 1);
		expect(mails).toHaveLength(1);
		expect(mails[0]!.subject).toBe('Verify your email address');
		const link = mails[0]!.links.find((l) => l.includes('token='))!;
		expect(link.startsWith(`${VERIFY_URL}?token=`)).toBe(true);
		const token = await tokenOf(email);
		expect(Buffer.from(token, 'base64url').length).toBeGreaterThanOrEqual(16);

		expect((await verify(token)).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
		const login = await host.login(email, 'correct-horse');
		expect(login.status).toBe(200);

		const again = await verify(token);
		expect(again.status).toBe(403);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		// only a hash is stored
		const rows = await host.knex('user_lifecycle_tokens').where({ user_id: user.id });
		expect(JSON.stringify(rows)).not.toContain(token);
		await new Promise((r) => setTimeout(r, 300));
		expect(host.mailbox.to(email)).toHaveLength(1);
	});

	it('verifies through GET with the token in the query, and through the host route with a redirect', async () => {
		const email = 'get.verify@example.com';
		expect((await register({ email, password: 'correct-horse' })).status).toBe(204);
		const token = await tokenOf(email);
		const mail = (await host.mailbox.waitFor(email))[0]!;
		// the default link is the host's own verification route, served by the hardened flow
		expect(mail.links.some((l) => l.startsWith(`${host.url}/users/register/verify-email?token=`))).toBe(true);
		const res = await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(token)}`);
		expect(res.status).toBe(302);
		expect((await host.userByEmail(email)).status).toBe('active');
		const again = await host.api('GET', `/user-lifecycle/register/verify-email?token=${encodeURIComponent(token)}`);
		expect(again.status).toBe(403);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
	});

	it('answers a taken email (active, unverified, draft) exactly like a new one and changes nothing', async () => {
		const active = 'taken.active@example.com';
		const unverified = 'taken.unverified@example.com';
		const draft = 'taken.draft@example.com';
		await host.createUser({ email: active, password: 'original-pass', status: 'active', role: DEFAULT_ROLE, first_name: 'Orig' });
		await host.createUser({ email: draft, password: 'original-pass', status: 'draft', role: DEFAULT_ROLE });
		expect((await register({ email: unverified, password: 'correct-horse' })).status).toBe(204);
		await host.mailbox.waitFor(unverified, 1);

		const fresh = await register({ email: 'fresh.one@example.com', password: 'correct-horse', first_name: 'X' });
		const before = await host.knex('directus_users').whereIn('email', [active, unverified, draft]).orderBy('email');
		const countBefore = await host.userCount();
		for (const email of [active, unverified, draft]) {
			const res = await register({ email, password: 'another-password', first_name: 'Changed' });
			expect(res.status).toBe(fresh.status);
			expect(res.text).toBe(fresh.text);
			expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
			expect(Math.abs(res.ms - fresh.ms)).toBeLessThan(STALL);
			// the same email in another case is the same account
			const upper = await register({ email: email.toUpperCase(), password: 'another-password' });
			expect(upper.status).toBe(204);
		}
		expect(fresh.ms).toBeGreaterThanOrEqual(STALL - 5);
		expect(await host.userCount()).toBe(countBefore);
		const after = await host.knex('directus_users').whereIn('email', [active, unverified, draft]).orderBy('email');
		expect(after).toEqual(before);
		await new Promise((r) => setTimeout(r, 500));
		expect(host.mailbox.to(active)).toHaveLength(0);
		expect(host.mailbox.to(draft)).toHaveLength(0);
		expect(host.mailbox.to(unverified)).toHaveLength(1);
	});

	it('resend issues a new token and kills the old one; unknown emails get the same answer', async () => {
		const email = 'resend.me@example.com';
		await register({ email, password: 'correct-horse' });
		const first = await tokenOf(email, 1);
		const res = await host.api('POST', '/user-lifecycle/register/resend', { email, verification_url: VERIFY_URL });
		expect(res.status).toBe(204);
		const second = await tokenOf(email, 2);
		expect(second).not.toBe(first);
		expect(host.mailbox.to(email)[1]!.links.some((l) => l.startsWith(`${VERIFY_URL}?token=`))).toBe(true);
		const old = await verify(first);
		expect(old.status).toBe(403);
		expect(old.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect((await verify(second)).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');

		const unknown = await host.api('POST', '/user-lifecycle/register/resend', { email: 'nobody.here@example.com' });
		const activeOne = await host.api('POST', '/user-lifecycle/register/resend', { email });
		for (const r of [unknown, activeOne]) {
			expect(r.status).toBe(204);
			expect(r.text).toBe(res.text);
			expect(r.ms).toBeGreaterThanOrEqual(STALL - 5);
		}
		await new Promise((r) => setTimeout(r, 500));
		expect(host.mailbox.to(email)).toHaveLength(2);
		expect(host.mailbox.to('nobody.here@example.com')).toHaveLength(0);
	});

	it('an expired token answers 401 TOKEN_EXPIRED and leaves the user unverified', async () => {
		const email = 'expired.token@example.com';
		await register({ email, password: 'correct-horse' });
		const token = await tokenOf(email);
		const user = await host.userByEmail(email);
		await host.knex('user_lifecycle_tokens').where({ user_id: user.id }).update({ expires_at: Date.now() - 1000 });
		const res = await verify(token);
		expect(res.status).toBe(401);
		expect(res.body.errors[0].extensions.code).toBe('TOKEN_EXPIRED');
		expect((await host.userByEmail(email)).status).toBe('unverified');
	});

	it('20 concurrent verifies of one token: exactly one 204', async () => {
		const email = 'race.verify@example.com';
		await register({ email, password: 'correct-horse' });
		const token = await tokenOf(email);
		const results = await Promise.all(Array.from({ length: 20 }, () => verify(token)));
		const statuses = results.map((r) => r.status);
		expect(statuses.filter((s) => s === 204)).toHaveLength(1);
		expect(statuses.filter((s) => s === 403)).toHaveLength(19);
		expect((await host.userByEmail(email)).status).toBe('active');
	});

	it('rules: deny a domain (403), give a role, hold an account as draft for approval', async () => {
		const countBefore = await host.userCount();
		const denied = await register({ email: 'someone@blocked.example.net', password: 'correct-horse' });
		expect(denied.status).toBe(403);
		expect(denied.body.errors[0].extensions.code).toBe('FORBIDDEN');
		expect(await host.userCount()).toBe(countBefore);

		expect((await register({ email: 'p@partner.example.com', password: 'correct-horse' })).status).toBe(204);
		expect((await host.userByEmail('p@partner.example.com')).role).toBe(PARTNER_ROLE);

		// Held for approval: `draft` from the start (the table has no unverified -> draft); the mail
		// still verifies the address, which the audit trail records; an admin then approves.
		expect((await register({ email: 'r@review.example.com', password: 'correct-horse' })).status).toBe(204);
		const held = await host.userByEmail('r@review.example.com');
		expect(held.status).toBe('draft');
		expect((await verify(await tokenOf('r@review.example.com'))).status).toBe(204);
		expect((await host.userByEmail('r@review.example.com')).status).toBe('draft');
		const events = await host.knex('user_lifecycle_events').where({ user: held.id }).orderBy('at');
		expect(events.map((e: any) => e.event)).toContain('email-verified');
		expect((await host.admin('PATCH', `/users/${held.id}`, { status: 'active' })).status).toBe(200);

		// an extra field listed in USER_LIFECYCLE_REGISTER_FIELDS takes part in the rules and is stored
		expect((await register({ email: 'vip@review.example.com', password: 'correct-horse', title: 'vip' })).status).toBe(204);
		const vip = await host.userByEmail('vip@review.example.com');
		expect(vip.title).toBe('vip');
		expect((await verify(await tokenOf('vip@review.example.com'))).status).toBe(204);
		expect((await host.userByEmail('vip@review.example.com')).status).toBe('active');
	});

	it('honours the host settings: email filter, no verification, registration off', async () => {
		await host.setSettings({ public_registration_email_filter: { _and: [{ email: { _ends_with: '@example.com' } }] } });
		const off = await register({ email: 'someone@other.example.net', password: 'correct-horse' });
		expect(off.status).toBe(403);
		await host.setSettings({ public_registration_email_filter: null, public_registration_verify_email: false });
		expect((await register({ email: 'direct@example.com', password: 'correct-horse' })).status).toBe(204);
		expect((await host.userByEmail('direct@example.com')).status).toBe('active');
		await host.setSettings({ public_registration: false });
		const closed = await register({ email: 'closed@example.com', password: 'correct-horse' });
		expect(closed.status).toBe(403);
		expect(await host.userByEmail('closed@example.com')).toBeUndefined();
		await host.setSettings({ public_registration: true, public_registration_verify_email: true });
	});

	it('refuses a verification_url off the allow-list with 400 and writes nothing', async () => {
		const countBefore = await host.userCount();
		const res = await register({ email: 'evil.link@example.com', password: 'correct-horse', verification_url: 'https://evil.example.net/verify' });
		expect(res.status).toBe(400);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		expect(await host.userCount()).toBe(countBefore);
		const resend = await host.api('POST', '/user-lifecycle/register/resend', { email: 'resend.me@example.com', verification_url: 'https://evil.example.net/verify' });
		expect(resend.status).toBe(400);
	});

	it('answers malformed input of every shape with a 4xx in the host error format and writes nothing', async () => {
		const countBefore = await host.userCount();
		const tokensBefore = Number((await host.knex('user_lifecycle_tokens').count({ n: '*' }).first())!.n);
		const bodies: unknown[] = [
			{},
			{ email: 'x@example.com' },
			{ password: 'correct-horse' },
			{ email: 42, password: 'correct-horse' },
			{ email: ['a@example.com'], password: 'correct-horse' },
			{ email: { _eq: 'a@example.com' }, password: 'correct-horse' },
			{ email: 'not-an-email', password: 'correct-horse' },
			{ email: 'y@example.com', password: 12345678 },
			{ email: 'y@example.com', password: ['a'] },
			{ email: 'y@example.com', password: 'x'.repeat(100_000) },
			{ email: `${'a'.repeat(300)}@example.com`, password: 'correct-horse' },
			{ email: 'y@example.com', password: 'correct-horse', role: randomUUID() },
			{ email: 'y@example.com', password: 'correct-horse', status: 'active' },
			{ email: 'y@example.com', password: 'correct-horse', unknown_field: 'x' },
			{ email: 'y@example.com', password: 'correct-horse', title: { nested: true } },
			{ email: 'y@example.com', password: 'correct-horse', first_name: 7 },
			{ email: 'y@example.com', password: 'correct-horse', verification_url: 'javascript:alert(1)' },
			{ email: 'y@example.com', password: 'short' },
			[],
			[{ email: 'y@example.com', password: 'correct-horse' }],
			'a string',
			null,
		];
		for (const body of bodies) {
			const res = await register(body);
			expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBeGreaterThanOrEqual(400);
			expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBeLessThan(500);
			expect(res.body.errors[0].extensions.code).toBeTypeOf('string');
			expect(res.body.errors[0].message).toBeTypeOf('string');
		}
		for (const raw of ['{not json', '"just a string"', '12', 'null']) {
			const res = await register(undefined, raw);
			expect(res.status, raw).toBeGreaterThanOrEqual(400);
			expect(res.status, raw).toBeLessThan(500);
		}
		for (const [path, body] of [
			['/user-lifecycle/register/verify-email', {}],
			['/user-lifecycle/register/verify-email', { token: 5 }],
			['/user-lifecycle/register/verify-email', { token: ['a'] }],
			['/user-lifecycle/register/verify-email', { token: 'x'.repeat(10_000) }],
			['/user-lifecycle/register/verify-email', { token: 'not-a-real-token' }],
			['/user-lifecycle/register/verify-email', { token: 'abc', extra: 1 }],
			['/user-lifecycle/register/resend', {}],
			['/user-lifecycle/register/resend', { email: 5 }],
			['/user-lifecycle/register/resend', { email: 'a@example.com', other: true }],
		] as const) {
			const res = await host.api('POST', path, body);
			expect(res.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBeGreaterThanOrEqual(400);
			expect(res.status).toBeLessThan(500);
			expect(res.body.errors[0].extensions.code).toBeTypeOf('string');
		}
		const get = await host.api('GET', '/user-lifecycle/register/verify-email');
		expect(get.status).toBe(400);
		const forged = await host.api('GET', '/user-lifecycle/register/verify-email?token=forged');
		expect(forged.status).toBe(403);
		expect(await host.userCount()).toBe(countBefore);
		expect(Number((await host.knex('user_lifecycle_tokens').count({ n: '*' }).first())!.n)).toBe(tokensBefore);
	});

	it('serves the host route POST /users/register with the hardened flow', async () => {
		const res = await host.api('POST', '/users/register', { email: 'sdk.user@example.com', password: 'correct-horse', verification_url: VERIFY_URL });
		expect(res.status).toBe(204);
		expect((await host.userByEmail('sdk.user@example.com')).status).toBe('unverified');
		const token = await tokenOf('sdk.user@example.com');
		expect((await verify(token)).status).toBe(204);
	});

	it('never shows a token in a log line or a response', async () => {
		expect(seenTokens.length).toBeGreaterThan(5);
		const logs = host.logs();
		for (const token of seenTokens) {
			expect(logs.includes(token)).toBe(false);
			for (const text of responses) expect(text.includes(token)).toBe(false);
		}
		// the outbox keeps no readable link once a mail is sent
		const outbox = await host.knex('user_lifecycle_outbox').select('payload', 'status');
		for (const row of outbox) if (row.status === 'sent') expect(row.payload).toBeNull();
	});
});
