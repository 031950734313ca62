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
				USER_LIFECYCLE_REGISTER_FIELDS: 'title,avatar,nickname',
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

	it('answers a taken email (active, unverified, draft) exactly like a new one; only a pending verification starts over', async () => {
		const active = 'taken.active@example.com';
		const unverified = 'taken.unverified@example.com';
		const draft = 'taken.draft@example.com';
		const suspended = 'taken.suspended@example.com';
		const archived = 'taken.archived@example.com';
		const invited = 'taken.invited@example.com';
		const heldVerified = 'taken.held@review.example.com';
		await host.createUser({ email: active, password: 'unchanged-pass', status: 'active', role: DEFAULT_ROLE, first_name: 'Orig' });
		await host.createUser({ email: draft, password: 'original-pass', status: 'draft', role: DEFAULT_ROLE });
		// statuses the guard only lets a flow (or the host) reach, set here as a fixture
		for (const [email, status] of [[suspended, 'suspended'], [archived, 'archived'], [invited, 'invited']] as const) {
			const id = await host.createUser({ email, password: 'original-pass', status: 'active', role: DEFAULT_ROLE });
			await host.knex('directus_users').where({ id }).update({ status });
		}
		// held for approval and already verified: no verification is pending any more
		expect((await register({ email: heldVerified, password: 'original-pass' })).status).toBe(204);
		expect((await verify(await tokenOf(heldVerified))).status).toBe(204);
		expect((await host.userByEmail(heldVerified)).status).toBe('draft');
		expect((await register({ email: unverified, password: 'correct-horse' })).status).toBe(204);
		await host.mailbox.waitFor(unverified, 1);

		const unchanged = [active, draft, suspended, archived, invited, heldVerified];
		const fresh = await register({ email: 'fresh.one@example.com', password: 'correct-horse', first_name: 'X' });
		const before = await host.knex('directus_users').whereIn('email', unchanged).orderBy('email');
		const countBefore = await host.userCount();
		for (const email of [...unchanged, unverified]) {
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
		const after = await host.knex('directus_users').whereIn('email', unchanged).orderBy('email');
		expect(after).toEqual(before);
		await new Promise((r) => setTimeout(r, 500));
		for (const email of [active, draft, suspended, archived, invited]) expect(host.mailbox.to(email)).toHaveLength(0);
		expect(host.mailbox.to(heldVerified)).toHaveLength(1);
		// still waiting for its verification: each registration starts it over (a new mail; the last
		// registrant's names; the address keeps its case)
		await host.mailbox.waitFor(unverified, 3);
		await new Promise((r) => setTimeout(r, 500)); // a fourth would show up here
		expect(host.mailbox.to(unverified)).toHaveLength(3);
		const pending = await host.userByEmail(unverified);
		expect(pending).toMatchObject({ email: unverified, status: 'unverified', first_name: null });
	});

	it('pre-registration hijack: the one who verifies the email owns the account, with the password they choose then', async () => {
		const email = 'victim@example.com';
		expect((await register({ email, password: 'attacker-pass-A', first_name: 'Mallory', verification_url: VERIFY_URL })).status).toBe(204);
		const attackerLink = await tokenOf(email, 1);
		const victim = await register({ email, password: 'quiet-pass-B', first_name: 'Victoria', last_name: 'Owner' });
		expect(victim.status).toBe(204);
		expect(victim.ms).toBeGreaterThanOrEqual(STALL - 5);
		const newest = await tokenOf(email, 2);
		expect((await host.userByEmail(email)).first_name).toBe('Victoria');
		expect((await host.userByEmail(email)).last_name).toBe('Owner');

		const dead = await verify(attackerLink);
		expect(dead.status).toBe(403);
		expect(dead.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect((await host.userByEmail(email)).status).toBe('unverified');
		// Registered twice: neither registrant's password is kept; the link asks for one.
		expect((await verify(newest)).body.errors[0].extensions.code).toBe('PASSWORD_REQUIRED');
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token: newest, password: 'chosen-pass-C' })).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
		expect((await host.login(email, 'attacker-pass-A')).status).toBe(401);
		expect((await host.login(email, 'quiet-pass-B')).status).toBe(401);
		expect((await host.login(email, 'chosen-pass-C')).status).toBe(200);
		// verified: a further registration changes nothing and sends nothing
		expect((await register({ email, password: 'attacker-pass-D' })).status).toBe(204);
		await new Promise((r) => setTimeout(r, 500));
		expect(host.mailbox.to(email)).toHaveLength(2);
		expect((await host.login(email, 'attacker-pass-D')).status).toBe(401);
		expect((await host.login(email, 'chosen-pass-C')).status).toBe(200);
	});

	it('pre-registration hijack of an account held for approval: same (the password chosen at verification), and the pending verification is recorded until it happens', async () => {
		const email = 'held.victim@review.example.com';
		expect((await register({ email, password: 'attacker-pass-A' })).status).toBe(204);
		const held = await host.userByEmail(email);
		expect(held.status).toBe('draft');
		expect(await host.knex('user_lifecycle_pending_flows').where({ user_id: held.id }).first()).toMatchObject({ flow: 'verification' });
		const attackerLink = await tokenOf(email, 1);
		expect((await register({ email, password: 'quiet-pass-B', first_name: 'Held' })).status).toBe(204);
		const newest = await tokenOf(email, 2);
		expect((await verify(attackerLink)).status).toBe(403);
		expect((await verify(newest)).body.errors[0].extensions.code).toBe('PASSWORD_REQUIRED');
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token: newest, password: 'chosen-pass-D' })).status).toBe(204);
		const verified = await host.userByEmail(email);
		expect(verified).toMatchObject({ status: 'draft', first_name: 'Held' });
		expect(await host.knex('user_lifecycle_pending_flows').where({ user_id: held.id }).first()).toBeUndefined();
		// resend has nothing left to send, and a new registration changes nothing
		expect((await host.api('POST', '/user-lifecycle/register/resend', { email })).status).toBe(204);
		expect((await register({ email, password: 'attacker-pass-C' })).status).toBe(204);
		await new Promise((r) => setTimeout(r, 500));
		expect(host.mailbox.to(email)).toHaveLength(2);
		expect((await host.admin('PATCH', `/users/${held.id}`, { status: 'active' })).status).toBe(200);
		for (const wrong of ['attacker-pass-A', 'quiet-pass-B', 'attacker-pass-C']) expect((await host.login(email, wrong)).status).toBe(401);
		expect((await host.login(email, 'chosen-pass-D')).status).toBe(200);
	});

	it('an unverified verification record clears on unverified -> active too', async () => {
		const email = 'record.clears@example.com';
		expect((await register({ email, password: 'correct-horse' })).status).toBe(204);
		const user = await host.userByEmail(email);
		await host.knex('user_lifecycle_pending_flows').insert({ user_id: user.id, flow: 'verification', since: Date.now() });
		expect((await verify(await tokenOf(email))).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
		expect(await host.knex('user_lifecycle_pending_flows').where({ user_id: user.id }).first()).toBeUndefined();
	});

	it('bad values answer alike for new and taken emails, after the stall, and write nothing (review item 9)', async () => {
		const taken = 'enum.taken@example.com';
		const pending = 'enum.pending@example.com';
		await host.createUser({ email: taken, password: 'original-pass', status: 'active', role: DEFAULT_ROLE });
		expect((await register({ email: pending, password: 'correct-horse' })).status).toBe(204);
		await host.mailbox.waitFor(pending, 1);
		const countBefore = await host.userCount();
		const rowsBefore = await host.knex('directus_users').whereIn('email', [taken, pending]).orderBy('email');
		const tokensBefore = Number((await host.knex('user_lifecycle_tokens').count({ n: '*' }).first())!.n);
		const long = 'x'.repeat(60);
		const bad: [string, Record<string, unknown>, number][] = [
			['60-character first_name', { first_name: long }, 400],
			['60-character last_name', { last_name: long }, 400],
			['60-character title (an extra field)', { title: long }, 400],
			['NUL in first_name', { first_name: 'Ja\u0000ne' }, 400],
			['control character in last_name', { last_name: 'Do\u0001e' }, 400],
			['DEL in title', { title: 'v\u007fip' }, 400],
			['tab in password', { password: 'correct\thorse' }, 400],
			['NUL in password', { password: 'correct-horse\u0000' }, 400],
			['newline in verification_url', { verification_url: `${VERIFY_URL}\n` }, 400],
			['avatar that is no id', { avatar: 'not-a-uuid' }, 400],
			['avatar pointing nowhere', { avatar: randomUUID() }, 400],
			['weak password', { password: 'short' }, 400],
			['unknown field', { unknown_field: 'x' }, 400],
			['denied by a rule', {}, 403],
		];
		// All sent together (each answers after the stall): refused requests write nothing, so their order is moot.
		await Promise.all(
			bad.map(async ([what, fields, status]) => {
				const answers = await Promise.all(
					['enum.new@example.com', taken, pending].map(async (email) => {
						const address = status === 403 ? email.replace('@example.com', '@BLOCKED.example.NET') : email;
						const res = await register({ email: address, password: 'correct-horse', ...fields });
						expect(res.status, `${what} (${email})`).toBe(status);
						expect(res.ms, `${what} (${email})`).toBeGreaterThanOrEqual(STALL - 5);
						return res.text;
					}),
				);
				expect(new Set(answers).size, what).toBe(1);
			}),
		);
		// an email longer than the host's column: refused before the lookup
		const longEmail = await register({ email: `${'a'.repeat(130)}@example.com`, password: 'correct-horse' });
		expect(longEmail.status).toBe(400);
		expect(longEmail.ms).toBeGreaterThanOrEqual(STALL - 5);
		// control characters in the email itself, on register and resend
		for (const email of ['enum\u0000new@example.com', 'enum.taken@example.com\u0000', 'enum.pend\ting@example.com']) {
			const res = await register({ email, password: 'correct-horse' });
			expect(res.status).toBe(400);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
			expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
			const resend = await host.api('POST', '/user-lifecycle/register/resend', { email });
			expect(resend.status).toBe(400);
			expect(resend.ms).toBeGreaterThanOrEqual(STALL - 5);
		}
		for (const body of [{ email: pending, verification_url: `${VERIFY_URL}\u0000` }, { email: 5 }, {}]) {
			const resend = await host.api('POST', '/user-lifecycle/register/resend', body);
			expect(resend.status).toBe(400);
			expect(resend.ms).toBeGreaterThanOrEqual(STALL - 5);
		}
		const token = await host.api('POST', '/user-lifecycle/register/verify-email', { token: 'abc\u0000' });
		expect(token.status).toBe(400);
		// the host route answers the same way
		const native = await host.api('POST', '/users/register', { email: taken, password: 'correct-horse', first_name: long });
		expect(native.status).toBe(400);
		expect(native.ms).toBeGreaterThanOrEqual(STALL - 5);
		expect(await host.userCount()).toBe(countBefore);
		expect(await host.knex('directus_users').whereIn('email', [taken, pending]).orderBy('email')).toEqual(rowsBefore);
		expect(Number((await host.knex('user_lifecycle_tokens').count({ n: '*' }).first())!.n)).toBe(tokensBefore);
		await new Promise((r) => setTimeout(r, 300));
		expect(host.mailbox.to(pending)).toHaveLength(1);
		expect(host.mailbox.to(taken)).toHaveLength(0);
	});

	it('a field created or resized in the Data Studio (the host\'s /fields) counts from the next registration', async () => {
		// `nickname` is allow-listed but has no column yet: the host drops it.
		expect((await register({ email: 'nick.before@example.com', password: 'correct-horse', nickname: 'x'.repeat(30) })).status).toBe(204);
		const created = await host.admin('POST', '/fields/directus_users', { field: 'nickname', type: 'string', schema: { max_length: 12 }, meta: { hidden: false } });
		expect(created.status).toBe(200);
		const tooLong = await register({ email: 'nick.long@example.com', password: 'correct-horse', nickname: 'x'.repeat(13) });
		expect(tooLong.status).toBe(400);
		expect(tooLong.body.errors[0].message).toContain('"nickname" is too long');
		expect(await host.knex('directus_users').where({ email: 'nick.long@example.com' }).first()).toBeUndefined();
		expect((await register({ email: 'nick.fits@example.com', password: 'correct-horse', nickname: 'x'.repeat(12) })).status).toBe(204);
		const resized = await host.admin('PATCH', '/fields/directus_users/nickname', { schema: { max_length: 40 } });
		expect(resized.status).toBe(200);
		expect((await register({ email: 'nick.long@example.com', password: 'correct-horse', nickname: 'x'.repeat(30) })).status).toBe(204);
		expect((await host.userByEmail('nick.long@example.com')).nickname).toBe('x'.repeat(30));
		expect((await host.admin('DELETE', '/fields/directus_users/nickname')).status).toBe(204);
		expect((await register({ email: 'nick.after@example.com', password: 'correct-horse', nickname: 'x'.repeat(60) })).status).toBe(204);
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
		expect(denied.ms).toBeGreaterThanOrEqual(STALL - 5);
		// rules compare emails case-insensitively
		const shouting = await register({ email: 'X@BLOCKED.EXAMPLE.NET', password: 'correct-horse' });
		expect(shouting.status).toBe(403);
		expect(shouting.text).toBe(denied.text);
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
		// the host's email filter compares case-insensitively too
		expect((await register({ email: 'Shouting.Person@EXAMPLE.COM', password: 'correct-horse' })).status).toBe(204);
		expect((await host.userByEmail('shouting.person@example.com')).email).toBe('Shouting.Person@EXAMPLE.COM');
		await host.setSettings({ public_registration_email_filter: { email: { _eq: 'Boss@Example.com' } } });
		expect((await register({ email: 'boss@example.COM', password: 'correct-horse' })).status).toBe(204);
		expect(await host.userByEmail('boss@example.com')).toBeDefined();
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
		// Sent together (each answers after the stall): refused requests write nothing, so their order is moot.
		await Promise.all([
			...bodies.map(async (body) => {
				const res = await register(body);
				expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBeGreaterThanOrEqual(400);
				expect(res.status, JSON.stringify(body)?.slice(0, 80)).toBeLessThan(500);
				expect(res.body.errors[0].extensions.code).toBeTypeOf('string');
				expect(res.body.errors[0].message).toBeTypeOf('string');
			}),
			...['{not json', '"just a string"', '12', 'null'].map(async (raw) => {
				const res = await register(undefined, raw);
				expect(res.status, raw).toBeGreaterThanOrEqual(400);
				expect(res.status, raw).toBeLessThan(500);
			}),
		]);
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
