import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { INVITATIONS } from '../../harness/profiles.js';

const INVITE_URL = INVITATIONS.inviteUrl;

function decodeJwt(token: string): Record<string, unknown> {
	return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe.each(await availableDatabases())('invitations on %s', (db) => {
	let host: TestHost;
	let inviteeRole: string;
	let inviterToken: string;
	let readerToken: string;
	const seenTokens: string[] = [];

	const invite = (body: unknown, token = host.adminToken) => host.api('POST', '/user-lifecycle/invite', body, { token });
	const accept = (body: unknown) => host.api('POST', '/user-lifecycle/invite/accept', body);
	const outboxCount = async () => Number((await host.knex('user_lifecycle_outbox').count({ n: '*' }).first())!.n);
	const tokenOf = async (email: string, nth = 1) => {
		const token = await host.mailbox.tokenFor(email, nth);
		seenTokens.push(token);
		return token;
	};

	beforeAll(async () => {
		host = await startTestHost({ db, ...INVITATIONS });
		inviteeRole = await host.createApiRole('Invitees');
		const inviterRole = await host.createApiRole('Inviters', [
			{ collection: 'directus_users', action: 'create' },
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
		const readerRole = await host.createApiRole('Readers', [{ collection: 'directus_users', action: 'read' }]);
		inviterToken = (await host.createApiUser(inviterRole, 'inviter@example.net')).token;
		readerToken = (await host.createApiUser(readerRole, 'reader@example.net')).token;
		await host.setSettings({ auth_password_policy: '/^.{8,}$/' });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('invites two emails: two mails with working links; accepting activates and the password logs in; the token is single-use', async () => {
		const emails = ['ann@example.com', 'bob@example.com'];
		const res = await invite({ email: emails, role: inviteeRole });
		expect(res.status).toBe(200);
		expect(res.body.data).toHaveLength(2);
		for (const [i, email] of emails.entries()) {
			const user = await host.userByEmail(email);
			expect(user.status).toBe('invited');
			expect(user.role).toBe(inviteeRole);
			expect(res.body.data[i]).toEqual({ email, user: user.id, outcome: 'invited' });
		}
		const annToken = await tokenOf('ann@example.com');
		const bobToken = await tokenOf('bob@example.com');
		expect(annToken).not.toBe(bobToken);
		const mail = host.mailbox.to('ann@example.com')[0]!;
		expect(mail.links.some((l) => l.startsWith(`${host.url}/admin/accept-invite?token=`))).toBe(true);
		// The Data Studio reads the email out of the token in the browser.
		expect(decodeJwt(annToken)).toMatchObject({ email: 'ann@example.com', scope: 'invite' });

		expect((await host.login('ann@example.com', 'new-password-1')).status).toBe(401);
		const ok = await accept({ token: annToken, password: 'new-password-1', first_name: 'Ann' });
		expect(ok.status).toBe(204);
		const ann = await host.userByEmail('ann@example.com');
		expect(ann.status).toBe('active');
		expect(ann.first_name).toBe('Ann');
		expect((await host.login('ann@example.com', 'new-password-1')).status).toBe(200);

		const again = await accept({ token: annToken, password: 'new-password-2' });
		expect(again.status).toBe(403);
		expect(again.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect((await host.userByEmail('bob@example.com')).status).toBe('invited');
	});

	it('re-inviting kills the old link and the new one works; an active user is skipped', async () => {
		const email = 'carol@example.com';
		await invite({ email, role: inviteeRole });
		const first = await tokenOf(email, 1);
		const res = await invite({ email: [email, 'ann@example.com', 'CAROL@example.com'], role: inviteeRole });
		expect(res.status).toBe(200);
		const carol = await host.userByEmail(email);
		expect(res.body.data).toEqual([
			{ email, user: carol.id, outcome: 'reinvited' },
			{ email: 'ann@example.com', user: (await host.userByEmail('ann@example.com')).id, outcome: 'skipped', reason: 'already active' },
			{ email: 'CAROL@example.com', user: null, outcome: 'skipped', reason: 'duplicate in this request' },
		]);
		const second = await tokenOf(email, 2);
		expect(second).not.toBe(first);
		const old = await accept({ token: first, password: PASSWORD });
		expect(old.status).toBe(403);
		expect(old.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		expect((await accept({ token: second, password: PASSWORD })).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
	});

	it('an expired link answers 401 TOKEN_EXPIRED, and a re-invite unsticks the user (host issue #17255)', async () => {
		const email = 'dave@example.com';
		expect((await invite({ email, role: inviteeRole, expires_in: '1s' })).status).toBe(200);
		const token = await tokenOf(email);
		await new Promise((resolve) => setTimeout(resolve, 2100));
		const res = await accept({ token, password: PASSWORD });
		expect(res.status).toBe(401);
		expect(res.body.errors[0].extensions.code).toBe('TOKEN_EXPIRED');
		expect((await host.userByEmail(email)).status).toBe('invited');

		const again = await invite({ email, role: inviteeRole });
		expect(again.body.data[0].outcome).toBe('reinvited');
		expect((await accept({ token: await tokenOf(email, 2), password: PASSWORD })).status).toBe(204);
	});

	it('resend sends a new link and kills the old; revoke kills the link and archives the user', async () => {
		const email = 'erin@example.com';
		await invite({ email, role: inviteeRole });
		const user = await host.userByEmail(email);
		const first = await tokenOf(email, 1);
		expect((await host.api('POST', '/user-lifecycle/invite/resend', { user: user.id }, { token: inviterToken })).status).toBe(204);
		const second = await tokenOf(email, 2);
		expect((await accept({ token: first, password: PASSWORD })).status).toBe(403);

		const pending = await host.api('GET', '/user-lifecycle/invites', undefined, { token: inviterToken });
		expect(pending.status).toBe(200);
		const row = pending.body.data.find((p: any) => p.user === user.id);
		expect(row.email).toBe(email);
		expect(Date.parse(row.expires_at)).toBeGreaterThan(Date.now() + 50 * 60_000);

		expect((await host.api('POST', '/user-lifecycle/invite/revoke', { user: user.id }, { token: inviterToken })).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('archived');
		const res = await accept({ token: second, password: PASSWORD });
		expect(res.status).toBe(403);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		const after = await host.api('GET', '/user-lifecycle/invites', undefined, { token: inviterToken });
		expect(after.body.data.some((p: any) => p.user === user.id)).toBe(false);
		// Revoking what isn't pending is a 400, and resending to an archived user too.
		expect((await host.api('POST', '/user-lifecycle/invite/revoke', { user: user.id }, { token: inviterToken })).status).toBe(400);
		expect((await host.api('POST', '/user-lifecycle/invite/resend', { user: user.id }, { token: inviterToken })).status).toBe(400);
	});

	it('20 concurrent accepts of one token: exactly one 204', async () => {
		const email = 'frank@example.com';
		await invite({ email, role: inviteeRole });
		const token = await tokenOf(email);
		const results = await Promise.all(Array.from({ length: 20 }, (_, i) => accept({ token, password: `password-${i}-long` })));
		const statuses = results.map((r) => r.status);
		expect(statuses.filter((s) => s === 204)).toHaveLength(1);
		expect(statuses.every((s) => s === 204 || s === 403)).toBe(true);
		expect((await host.userByEmail(email)).status).toBe('active');
	});

	it('the host decides who may invite: a role that may create users can, one that may not gets 403 and nothing is written', async () => {
		const allowed = await invite({ email: 'gina@example.com', role: inviteeRole }, inviterToken);
		expect(allowed.status).toBe(200);
		expect(allowed.body.data[0].outcome).toBe('invited');
		await host.mailbox.waitFor('gina@example.com');

		const users = await host.userCount();
		const refused = await invite({ email: 'hank@example.com', role: inviteeRole }, readerToken);
		expect(refused.status).toBe(403);
		expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
		const anonymous = await host.api('POST', '/user-lifecycle/invite', { email: 'hank@example.com', role: inviteeRole });
		expect(anonymous.status).toBe(403);
		expect(await host.userCount()).toBe(users);
		expect((await host.api('GET', '/user-lifecycle/invites')).status).toBe(403);
		expect((await host.api('POST', '/user-lifecycle/invite/revoke', { user: allowed.body.data[0].user }, { token: readerToken })).status).toBe(403);
		expect((await host.userByEmail('gina@example.com')).status).toBe('invited');
	});

	it('refuses an invite_url off the allow-list and a missing role with 400, writing nothing', async () => {
		const users = await host.userCount();
		const mails = await outboxCount();
		const offList = await invite({ email: 'ivan@example.com', role: inviteeRole, invite_url: 'https://evil.example.net/accept' });
		expect(offList.status).toBe(400);
		expect(offList.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		const noRole = await invite({ email: 'ivan@example.com', role: '3f0b4c3e-9a55-4d7c-8b8e-0d6f5a1e2b3c' });
		expect(noRole.status).toBe(400);
		expect(await host.userCount()).toBe(users);
		expect(await outboxCount()).toBe(mails);

		const listed = await invite({ email: 'ivan@example.com', role: inviteeRole, invite_url: INVITE_URL });
		expect(listed.status).toBe(200);
		const mail = (await host.mailbox.waitFor('ivan@example.com'))[0]!;
		expect(mail.links.some((l) => l.startsWith(`${INVITE_URL}?token=`))).toBe(true);
	});

	it('refuses a password off the policy, and forged or foreign tokens', async () => {
		const email = 'judy@example.com';
		await invite({ email, role: inviteeRole });
		const token = await tokenOf(email);
		const weak = await accept({ token, password: 'short' });
		expect(weak.status).toBe(400);
		expect((await host.userByEmail(email)).status).toBe('invited');

		const [h, p] = token.split('.');
		const forged = await accept({ token: `${h}.${p}.${'A'.repeat(43)}`, password: PASSWORD });
		expect(forged.status).toBe(403);
		expect(forged.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
		const tampered = Buffer.from(JSON.stringify({ ...decodeJwt(token), email: 'admin@example.com' })).toString('base64url');
		expect((await accept({ token: `${h}.${tampered}.${token.split('.')[2]}`, password: PASSWORD })).status).toBe(403);
		expect((await accept({ token: 'not-a-jwt', password: PASSWORD })).status).toBe(403);
		// The weak try did not spend the token.
		expect((await accept({ token, password: PASSWORD })).status).toBe(204);
	});

	it('serves the host routes POST /users/invite and /users/invite/accept with the hardened flow', async () => {
		const email = 'kate@example.com';
		const res = await host.api('POST', '/users/invite', { email, role: inviteeRole }, { token: host.adminToken });
		expect(res.status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('invited');
		const token = await tokenOf(email);
		expect(decodeJwt(token)['jti']).toBeTruthy();
		expect((await host.api('POST', '/users/invite/accept', { token, password: PASSWORD })).status).toBe(204);
		const again = await host.api('POST', '/users/invite/accept', { token, password: PASSWORD });
		expect(again.status).toBe(403);
		expect((await host.userByEmail(email)).status).toBe('active');
	});

	it('answers malformed input on every route with a 4xx in the host error format and writes nothing', async () => {
		const users = await host.userCount();
		const mails = await outboxCount();
		const token = host.adminToken;
		const cases: [string, string, unknown, string?][] = [
			['POST', '/user-lifecycle/invite', {}],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com' }],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com', role: 'not-a-uuid' }],
			['POST', '/user-lifecycle/invite', { email: 42, role: inviteeRole }],
			['POST', '/user-lifecycle/invite', { email: [], role: inviteeRole }],
			['POST', '/user-lifecycle/invite', { email: [['x@example.com']], role: inviteeRole }],
			['POST', '/user-lifecycle/invite', { email: ['ok@example.com', 'a\u0000b@example.com'], role: inviteeRole }],
			['POST', '/user-lifecycle/invite', { email: 'x'.repeat(300) + '@example.com', role: inviteeRole }],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com', role: inviteeRole, admin: true }],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com', role: inviteeRole, expires_in: 'forever' }],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com', role: inviteeRole, expires_in: -5 }],
			['POST', '/user-lifecycle/invite', { email: 'x@example.com', role: inviteeRole, invite_url: 'javascript:alert(1)' }],
			['POST', '/user-lifecycle/invite', [{ email: 'x@example.com' }]],
			['POST', '/user-lifecycle/invite', null, '{"email": "x@example.com", '],
			['POST', '/user-lifecycle/invite', null, '"just a string"'],
			['POST', '/user-lifecycle/invite/accept', {}],
			['POST', '/user-lifecycle/invite/accept', { token: 'x' }],
			['POST', '/user-lifecycle/invite/accept', { token: 5, password: PASSWORD }],
			['POST', '/user-lifecycle/invite/accept', { token: 'x'.repeat(10_000), password: PASSWORD }],
			['POST', '/user-lifecycle/invite/accept', { token: 'x', password: PASSWORD, status: 'active' }],
			['POST', '/user-lifecycle/invite/resend', {}],
			['POST', '/user-lifecycle/invite/resend', { user: 'nope' }],
			['POST', '/user-lifecycle/invite/resend', { user: '3f0b4c3e-9a55-4d7c-8b8e-0d6f5a1e2b3c' }],
			['POST', '/user-lifecycle/invite/revoke', { user: ['a'] }],
			['POST', '/user-lifecycle/invite/revoke', { user: '3f0b4c3e-9a55-4d7c-8b8e-0d6f5a1e2b3c' }],
			['POST', '/users/invite', { email: 'x@example.com' }],
			// The host's own invite keeps the host's answer to a malformed address: nobody is invited.
			['POST', '/users/invite', { email: ['ok@example.com', 'nope'], role: inviteeRole }],
			['POST', '/users/invite', { email: ['ok@example.com', 'bad@example.test'], role: inviteeRole }],
			['POST', '/users/invite/accept', { token: 'x' }],
		];
		for (const [method, path, body, raw] of cases) {
			const res = await host.api(method, path, raw ? undefined : body, { token, ...(raw ? { raw } : {}) });
			expect(res.status, `${method} ${path} ${raw ?? JSON.stringify(body)?.slice(0, 80)}`).toBeGreaterThanOrEqual(400);
			expect(res.status, `${method} ${path} ${raw ?? JSON.stringify(body)?.slice(0, 80)}`).toBeLessThan(500);
			expect(Array.isArray(res.body?.errors) && typeof res.body.errors[0]?.extensions?.code === 'string').toBe(true);
		}
		expect(await host.userCount()).toBe(users);
		expect(await outboxCount()).toBe(mails);
	});

	it('never shows an invite token in a log line or a response', async () => {
		expect(seenTokens.length).toBeGreaterThan(5);
		const logs = host.logs();
		for (const token of seenTokens) {
			expect(logs.includes(token)).toBe(false);
			expect(logs.includes(token.split('.')[2]!)).toBe(false);
		}
		const rows = await host.knex('user_lifecycle_tokens').select('token_hash');
		for (const token of seenTokens) {
			const jti = String(decodeJwt(token)['jti']);
			expect(rows.some((r: any) => r.token_hash === jti)).toBe(false);
		}
	});
});
