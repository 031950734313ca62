// Invitations under the outside security review (issue 10): invitees are created by the host as
// the caller (every `users.create` filter of the project runs, activity is recorded), the answer
// and the pending list show only what the caller may see, and token links leak nowhere.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { INVITATIONS } from '../../harness/profiles.js';

/** Another extension of the project: its blocking users.create filter refuses this domain. */
const BLOCKED = 'blocked-by-project.example.com';

describe.each(await availableDatabases())('invitation security on %s', (db) => {
	let host: TestHost;
	let inviteeRole: string;
	let otherRole: string;
	let creator: { id: string; token: string };
	let reader: { id: string; token: string };
	let inviter: { id: string; token: string };

	const invite = (body: unknown, token = host.adminToken) => host.api('POST', '/user-lifecycle/invite', body, { token });
	const count = async (table: string) => Number((await host.knex(table).count({ n: '*' }).first())!.n);
	const snapshot = async () => ({ users: await host.userCount(), tokens: await count('user_lifecycle_tokens'), outbox: await count('user_lifecycle_outbox') });

	beforeAll(async () => {
		host = await startTestHost({ db, ...INVITATIONS });
		inviteeRole = await host.createApiRole('Invitees');
		otherRole = await host.createApiRole('Others');
		const creatorRole = await host.createApiRole('Creators', [{ collection: 'directus_users', action: 'create' }]);
		const readerRole = await host.createApiRole('Readers', [{ collection: 'directus_users', action: 'read' }]);
		creator = await host.createApiUser(creatorRole, 'security.creator@example.net');
		reader = await host.createApiUser(readerRole, 'security.reader@example.net');
		const inviterRole = await host.createApiRole('Inviters', [
			{ collection: 'directus_users', action: 'create' },
			{ collection: 'directus_users', action: 'read' },
		]);
		inviter = await host.createApiUser(inviterRole, 'security.inviter@example.net');
		await host.createApiUser(otherRole, 'active-other@example.com');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it("another extension's blocking users.create filter runs for invitees: the host's error, nothing written", async () => {
		const before = await snapshot();
		for (const token of [host.adminToken, creator.token]) {
			const res = await invite({ email: ['fine-1@example.com', `someone@${BLOCKED}`, 'fine-2@example.com'], role: inviteeRole }, token);
			expect(res.status, res.text).toBe(400);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
			expect(res.body.errors[0].message).toContain('blocked by this project');
		}
		// The host's own route, served by the same flow.
		const native = await host.api('POST', '/users/invite', { email: `other@${BLOCKED}`, role: inviteeRole }, { token: host.adminToken });
		expect(native.status).toBe(400);
		expect(await snapshot()).toEqual(before);
		for (const email of ['fine-1@example.com', 'fine-2@example.com', `someone@${BLOCKED}`, `other@${BLOCKED}`]) {
			expect(await host.userByEmail(email)).toBeUndefined();
		}
	});

	it("a normal invite is the host's create of each invitee as the caller: activity records, one audit event each", async () => {
		const emails = ['act-1@example.com', 'act-2@example.com'];
		const res = await invite({ email: emails, role: inviteeRole }, creator.token);
		expect(res.status, res.text).toBe(200);
		const admin = await invite({ email: 'act-3@example.com', role: inviteeRole });
		expect(admin.status).toBe(200);
		for (const [email, actor] of [
			[emails[0]!, creator.id],
			[emails[1]!, creator.id],
			['act-3@example.com', null],
		] as const) {
			const user = await host.userByEmail(email);
			expect(user.status).toBe('invited');
			const activity = await host.knex('directus_activity').where({ collection: 'directus_users', item: user.id, action: 'create' });
			expect(activity, email).toHaveLength(1);
			if (actor) expect(activity[0].user).toBe(actor);
			// The guard records the new user's status once (not once by the flow and again by the hook).
			let events: any[] = [];
			for (let i = 0; i < 50 && events.length === 0; i++) {
				events = await host.knex('user_lifecycle_events').where({ user: user.id, event: 'status' });
				if (events.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
			}
			await new Promise((resolve) => setTimeout(resolve, 300));
			events = await host.knex('user_lifecycle_events').where({ user: user.id, event: 'status' });
			expect(events, email).toHaveLength(1);
			expect(events[0]).toMatchObject({ from: null, to: 'invited', via: 'invitation' });
			await host.mailbox.waitFor(email);
		}
	});

	it('an invite answer shows ids and reasons only for users the caller may read', async () => {
		// May create, may not read: no id, no reason, not even the stored case of an email.
		const blind = await invite({ email: ['blind-1@example.com', 'ACTIVE-OTHER@example.com', 'blind-1@EXAMPLE.com'], role: inviteeRole }, creator.token);
		expect(blind.status, blind.text).toBe(200);
		expect(blind.body.data).toEqual([
			{ email: 'blind-1@example.com', user: null, outcome: 'invited' },
			{ email: 'ACTIVE-OTHER@example.com', user: null, outcome: 'skipped' },
			{ email: 'blind-1@EXAMPLE.com', user: null, outcome: 'skipped', reason: 'duplicate in this request' },
		]);
		expect((await host.userByEmail('blind-1@example.com')).status).toBe('invited');

		// May create and read: ids and reasons.
		const seen = await invite({ email: ['seen-1@example.com', 'ACTIVE-OTHER@example.com'], role: inviteeRole }, inviter.token);
		expect(seen.status, seen.text).toBe(200);
		expect(seen.body.data).toEqual([
			{ email: 'seen-1@example.com', user: (await host.userByEmail('seen-1@example.com')).id, outcome: 'invited' },
			{ email: 'active-other@example.com', user: (await host.userByEmail('active-other@example.com')).id, outcome: 'skipped', reason: 'already active' },
		]);

		// The admin sees everything.
		const all = await invite({ email: ['active-other@example.com'], role: inviteeRole });
		expect(all.body.data).toEqual([{ email: 'active-other@example.com', user: (await host.userByEmail('active-other@example.com')).id, outcome: 'skipped', reason: 'already active' }]);
	});

	it('may read but not create users: no invite, no pending list (403 FORBIDDEN), nothing written', async () => {
		const before = await snapshot();
		const res = await invite({ email: 'nope@example.com', role: inviteeRole }, reader.token);
		expect(res.status).toBe(403);
		expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
		// Even a batch that would create nobody (an existing user) needs the create permission.
		expect((await invite({ email: 'active-other@example.com', role: inviteeRole }, reader.token)).status).toBe(403);
		const list = await host.api('GET', '/user-lifecycle/invites', undefined, { token: reader.token });
		expect(list.status).toBe(403);
		expect(list.body.errors[0].extensions.code).toBe('FORBIDDEN');
		expect(await snapshot()).toEqual(before);
	});

	it('may create users: the pending list answers, with the invitations of the users the caller may read (none without read)', async () => {
		const blind = await host.api('GET', '/user-lifecycle/invites', undefined, { token: creator.token });
		expect(blind.status, blind.text).toBe(200);
		expect(blind.body.data).toEqual([]);

		const list = await host.api('GET', '/user-lifecycle/invites', undefined, { token: inviter.token });
		expect(list.status).toBe(200);
		const seen1 = await host.userByEmail('seen-1@example.com');
		expect(list.body.data.some((p: any) => p.user === seen1.id && p.email === 'seen-1@example.com' && p.expires_at)).toBe(true);
	});

	it("a re-invite is a write of that user, which the host decides: a caller who may not update it gets the host's 403", async () => {
		await invite({ email: 'again@example.com', role: inviteeRole });
		const before = await snapshot();
		const res = await invite({ email: 'again@example.com', role: inviteeRole }, creator.token);
		expect(res.status).toBe(403);
		expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
		expect(await snapshot()).toEqual(before);
	});

	it('token links: their pages answer Referrer-Policy: no-referrer', async () => {
		const token = randomBytes(24).toString('base64url');
		for (const path of [`/admin/accept-invite?token=${token}`, `/users/register/verify-email?token=${token}`, `/user-lifecycle/register/verify-email?token=${token}`]) {
			const res = await host.api('GET', path);
			expect(res.status, path).toBeLessThan(500);
			expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
		}
	});

	it('token= is redacted from every logged URL and Referer', async () => {
		const secrets = Array.from({ length: 5 }, () => `SECRET${randomBytes(16).toString('hex')}`);
		const marker = `marker-${randomBytes(8).toString('hex')}`;
		await host.api('GET', '/server/ping', undefined, { headers: { referer: `https://x.example.com/admin/accept-invite?token=${secrets[0]}`, 'x-test-marker': `${marker}-1` } });
		await host.api('POST', '/user-lifecycle/invite/accept', { token: 'x', password: 'whatever-long' }, { headers: { referrer: `https://x.example.com/a?lang=en&token=${secrets[1]}#top`, 'x-test-marker': `${marker}-2` } });
		await host.api('GET', `/admin/accept-invite?%74oken=${secrets[2]}`, undefined, { headers: { referer: `https://x.example.com/?%74oken=${secrets[3]}`, 'x-test-marker': `${marker}-3` } });
		await host.api('GET', `/admin/accept-invite?token[]=${secrets[4]}`, undefined, { headers: { 'x-test-marker': `${marker}-4` } });
		for (let i = 0; i < 50 && !host.logs().includes(`${marker}-4`); i++) await new Promise((resolve) => setTimeout(resolve, 100));
		const logs = host.logs();
		// The requests were logged, with their Referer, and without any of the secrets.
		for (const n of [1, 2, 3, 4]) expect(logs).toContain(`${marker}-${n}`);
		expect(logs).toContain('https://x.example.com/admin/accept-invite?token=--redacted--');
		expect(logs).toContain('https://x.example.com/a?lang=en&token=--redacted--#top');
		for (const secret of secrets) expect(logs.includes(secret), secret).toBe(false);
	});
});
