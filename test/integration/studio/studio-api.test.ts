// What the Data Studio module asks of the API, each as an admin meets it: a bulk invite with a
// malformed address invites the others and names the bad one; a resend keeps the link's
// lifetime; a failed reset mail can be retried and the retry names its new mail; a spent
// recovery code is a wrong one-time password; the audit trail pages with its count, every
// instant with its zone, reasons without raw instants; a two-factor reset of a user without one
// does nothing; two-factor steps are in the trail; the path names the Data Studio page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { codes, enableTfa } from '../two-factor/helpers.js';

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const RAW_INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

describe.each(await availableDatabases())('the API behind the Data Studio module on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;

	const events = (user: string, event?: string) => host.knex('user_lifecycle_events').where({ user, ...(event ? { event } : {}) });
	const outbox = (recipient: string) => host.knex('user_lifecycle_outbox').whereRaw('LOWER(recipient) = ?', [recipient.toLowerCase()]).orderBy('created_at');
	const failed = async (recipient: string) => {
		await expect.poll(async () => (await outbox(recipient)).at(-1)?.status, { timeout: 30_000, interval: 200 }).toBe('failed');
		return (await outbox(recipient)).at(-1).id as string;
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: { USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '1', USER_LIFECYCLE_OUTBOX_BACKOFF: '100ms', USER_LIFECYCLE_RESET_MAX_PER_HOUR: '2', LOGIN_STALL_TIME: '50', USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: '2' },
		});
		role = await host.createApiRole('Studio API people', [{ collection: 'directus_users', action: 'read' }]);
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a bulk invite with malformed addresses invites the others and answers "invalid" for each bad one', async () => {
		const emails = ['first@example.com', 'not an address', 'second@example.com', 'bad@example.test', 'first@example.com'];
		const res = await host.admin('POST', '/user-lifecycle/invite', { email: emails, role });
		expect(res.status, res.text).toBe(200);
		expect(res.body.data.map((o: any) => o.outcome)).toEqual(['invited', 'invalid', 'invited', 'invalid', 'skipped']);
		expect(res.body.data[1]).toEqual({ email: 'not an address', user: null, outcome: 'invalid', reason: 'not a valid email address' });
		expect(res.body.data[3]).toMatchObject({ email: 'bad@example.test', user: null, outcome: 'invalid' });
		for (const email of ['first@example.com', 'second@example.com']) expect((await host.userByEmail(email)).status).toBe('invited');
		expect(await host.userByEmail('bad@example.test')).toBeUndefined();
		await host.mailbox.tokenFor('second@example.com');

		// Only malformed addresses: nobody invited, nothing written, still each address's outcome.
		const users = await host.userCount();
		const none = await host.admin('POST', '/user-lifecycle/invite', { email: ['nope', 'also nope'], role });
		expect(none.status).toBe(200);
		expect(none.body.data.map((o: any) => o.outcome)).toEqual(['invalid', 'invalid']);
		expect(await host.userCount()).toBe(users);
		// The host's own route keeps the host's answer: 400, nobody invited.
		const native = await host.admin('POST', '/users/invite', { email: ['third@example.com', 'nope'], role });
		expect(native.status).toBe(400);
		expect(await host.userByEmail('third@example.com')).toBeUndefined();
	});

	it('a resend keeps the lifetime the link was issued with (3 days stay 3 days, not the 7-day default)', async () => {
		const email = 'three-days@example.com';
		expect((await host.admin('POST', '/user-lifecycle/invite', { email, role, expires_in: '3d' })).status).toBe(200);
		const user = await host.userByEmail(email);
		const expiry = async () => (await host.admin('GET', '/user-lifecycle/invites')).body.data.find((i: any) => i.user === user.id).expires_at as string;
		const first = Date.parse(await expiry());
		const day = 86_400_000;
		expect(first - Date.now()).toBeGreaterThan(3 * day - 60_000);
		expect(first - Date.now()).toBeLessThanOrEqual(3 * day);
		expect((await host.admin('POST', '/user-lifecycle/invite/resend', { user: user.id })).status).toBe(204);
		const second = Date.parse(await expiry());
		expect(second).toBeGreaterThanOrEqual(first);
		expect(second - Date.now()).toBeLessThanOrEqual(3 * day);
		const token = await host.mailbox.tokenFor(email, 2);
		const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).exp * 1000;
		expect(Math.abs(exp - second)).toBeLessThan(5000);
		// A lifetime given with the resend still wins.
		expect((await host.admin('POST', '/user-lifecycle/invite/resend', { user: user.id, expires_in: '12h' })).status).toBe(204);
		expect(Date.parse(await expiry()) - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);
	});

	it('a failed reset mail is retried: a fresh link, the retried row names the new mail; a retry that queues nothing leaves it failed and says why', async () => {
		const email = 'reset-me@reject.example.net';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		expect((await host.api('POST', '/user-lifecycle/password/request', { email })).status).toBe(204);
		const id = await failed(email);

		host.mailbox.rejectDomain = 'nothing.invalid';
		try {
			const retried = await host.admin('POST', `/user-lifecycle/outbox/${id}/retry`);
			expect(retried.status, retried.text).toBe(200);
			expect(retried.body.data).toMatchObject({ kind: 'password-reset', recipient: email });
			expect(['pending', 'sending', 'sent']).toContain(retried.body.data.status);
			expect(retried.body.data.created_at).toMatch(ISO_WITH_ZONE);
			const one = await host.admin('GET', `/user-lifecycle/outbox/${id}`);
			expect(one.body.data).toMatchObject({ status: 'retried', retried_as: retried.body.data.id });
			const token = await host.mailbox.tokenFor(email);
			expect((await host.api('POST', '/user-lifecycle/password/reset', { token, password: 'another-password-1' })).status).toBe(204);
		} finally {
			host.mailbox.rejectDomain = 'reject.example.net';
		}

		// Two mails this hour already (USER_LIFECYCLE_RESET_MAX_PER_HOUR=2): the retry queues nothing.
		const other = 'throttled@reject.example.net';
		await host.createUser({ email: other, password: PASSWORD, role, status: 'active' });
		expect((await host.api('POST', '/user-lifecycle/password/request', { email: other })).status).toBe(204);
		expect((await host.api('POST', '/user-lifecycle/password/request', { email: other })).status).toBe(204);
		await expect.poll(async () => (await outbox(other)).filter((m: any) => m.status === 'failed').length, { timeout: 30_000 }).toBe(2);
		const last = (await outbox(other)).at(-1).id;
		const refused = await host.admin('POST', `/user-lifecycle/outbox/${last}/retry`);
		expect(refused.status).toBe(400);
		expect(refused.body.errors[0].message).toMatch(/No new mail/);
		expect((await host.admin('GET', `/user-lifecycle/outbox/${last}`)).body.data).toMatchObject({ status: 'failed', retried_as: null });
		expect(await outbox(other)).toHaveLength(2);
	});

	it('lists the outbox by any status, by recipient, a page at a time with the count', async () => {
		const all = await host.admin('GET', '/user-lifecycle/outbox?status=all&limit=2');
		expect(all.status).toBe(200);
		expect(all.body.data).toHaveLength(2);
		expect(all.body.meta.filter_count).toBeGreaterThan(2);
		const found = await host.admin('GET', '/user-lifecycle/outbox?status=all&search=THROTTLED@');
		expect(found.body.data.map((m: any) => m.recipient)).toEqual(['throttled@reject.example.net', 'throttled@reject.example.net']);
		expect(found.body.meta.filter_count).toBe(2);
		const second = await host.admin('GET', '/user-lifecycle/outbox?status=all&search=throttled&limit=1&offset=1');
		expect(second.body.data).toHaveLength(1);
		expect(second.body.data[0].id).toBe(found.body.data[1].id);
		expect((await host.admin('GET', '/user-lifecycle/outbox?status=sending')).status).toBe(200);
		for (const bad of ['?status=everything', '?offset=-1', '?search=', '?nope=1', '?status=all&status=sent']) {
			const res = await host.admin('GET', `/user-lifecycle/outbox${bad}`);
			expect(res.status, bad).toBe(400);
		}
	});

	it('a spent or replaced recovery code is a wrong one-time password, at the host sign-in and ours; a wrong password stays a wrong password', async () => {
		const email = 'recovering@example.com';
		const { token } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, token);
		expect((await host.login(email, PASSWORD, { otp: recoveryCodes[0] })).status).toBe(200);
		const spent = await host.login(email, PASSWORD, { otp: recoveryCodes[0] });
		expect(spent.status).toBe(401);
		expect(spent.body.errors[0].extensions.code).toBe('INVALID_OTP');
		const ours = await host.api('POST', '/user-lifecycle/login', { email, password: PASSWORD, recovery_code: recoveryCodes[0] });
		expect(ours.body.errors[0].extensions.code).toBe('INVALID_OTP');
		// Replaced: a new set kills the old one.
		const renewed = await host.api('POST', '/user-lifecycle/tfa/recovery-codes', { otp: (await codes(secret)).next }, { token });
		expect(renewed.status).toBe(200);
		const replaced = await host.login(email, PASSWORD, { otp: recoveryCodes[1] });
		expect(replaced.body.errors[0].extensions.code).toBe('INVALID_OTP');
		const wrongPassword = await host.login(email, 'not-the-password', { otp: renewed.body.data.recovery_codes[0] });
		expect(wrongPassword.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');

		// Every step is in the trail: on, a code used, a new set, off.
		const user = (await host.userByEmail(email)).id;
		expect((await events(user)).map((e: any) => e.event)).toEqual(expect.arrayContaining(['tfa-enabled', 'recovery-code-used', 'recovery-codes-renewed']));
		expect(await events(user, 'recovery-code-used')).toHaveLength(1);
		expect((await host.api('POST', '/user-lifecycle/tfa/disable', { recovery_code: renewed.body.data.recovery_codes[1] }, { token })).status).toBe(204);
		expect(await events(user, 'tfa-disabled')).toMatchObject([{ actor: user, via: 'two-factor', reason: 'confirmed with a recovery code' }]);
	});

	it('a two-factor reset of a user without two-factor says so and writes nothing; with two-factor it resets and is audited', async () => {
		const { id, token } = await host.createApiUser(role, 'no-second-factor@example.com');
		const ours = await host.admin('POST', `/user-lifecycle/users/${id}/tfa/reset`);
		expect(ours.status).toBe(400);
		expect(ours.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		expect((await host.admin('POST', `/users/${id}/tfa/disable`)).status).toBe(204);
		expect(await events(id, 'tfa-reset')).toHaveLength(0);
		await enableTfa(host, token);
		expect((await host.admin('POST', `/user-lifecycle/users/${id}/tfa/reset`)).status).toBe(204);
		expect(await events(id, 'tfa-reset')).toMatchObject([{ actor: adminId }]);
	});

	it('the trail pages past 200 events with its count, filters by kind, path, actor and time, and every instant carries its zone', async () => {
		const { id } = await host.createApiUser(role, 'many-events@example.com');
		const started = new Date().toISOString();
		const changes = 225;
		for (let i = 0; i < changes; i++) {
			expect((await host.admin('POST', `/user-lifecycle/users/${id}/status`, { status: i % 2 === 0 ? 'suspended' : 'active', reason: `round ${i}` })).status).toBe(200);
		}
		await host.admin('POST', `/user-lifecycle/users/${id}/status`, { status: 'suspended', reason: 'for good' });
		const page = (query: string) => host.admin('GET', `/user-lifecycle/events?user=${id}&${query}`);
		const first = await page('limit=100');
		expect(first.status, first.text).toBe(200);
		expect(first.body.meta.filter_count).toBeGreaterThan(changes);
		const total = first.body.meta.filter_count;
		const third = await page('limit=100&offset=200');
		expect(third.body.data).toHaveLength(total - 200);
		const seen = new Set<string>();
		for (const offset of [0, 100, 200]) for (const e of (await page(`limit=100&offset=${offset}`)).body.data) seen.add(e.id);
		expect(seen.size).toBe(total);
		expect(first.body.data[0].reason).toBe('for good');
		for (const e of first.body.data) expect(e.at).toMatch(ISO_WITH_ZONE);

		const count = async (where: (q: any) => any) => Number((await where(host.knex('user_lifecycle_events').where({ user: id })).count({ n: '*' }).first()).n);
		expect(total).toBe(await count((q) => q));
		expect((await page('event=status&via=api&actor=' + adminId)).body.meta.filter_count).toBe(await count((q) => q.where({ event: 'status', via: 'api', actor: adminId })));
		expect((await page('actor=system')).body.meta.filter_count).toBe(await count((q) => q.whereNull('actor')));
		expect((await page(`actor=system,${adminId}`)).body.meta.filter_count).toBe(total);
		expect((await page(`from=${started}`)).body.meta.filter_count).toBe(changes + 1);
		expect((await page(`to=${started}`)).body.meta.filter_count).toBe(total - changes - 1);
		expect((await page('event=tfa-reset')).body.meta.filter_count).toBe(0);
		// Through the host's collection too: the instant with its zone, on every database.
		const items = await host.admin('GET', `/items/user_lifecycle_events?filter[user][_eq]=${id}&limit=3&sort=-at`);
		for (const e of items.body.data) expect(e.at).toMatch(ISO_WITH_ZONE);

		for (const bad of ['user=nope', 'limit=0', 'limit=5000', 'from=yesterday', 'from=2026-01-01T00:00:00', 'offset=-2', 'color=red', 'event=' + 'x'.repeat(40)]) {
			const res = await host.admin('GET', `/user-lifecycle/events?${bad}`);
			expect(res.status, bad).toBe(400);
			expect(res.body.errors[0].extensions.code).toMatch(/INVALID_(PAYLOAD|QUERY)/);
		}
		const reader = await host.createApiUser(role, 'no-audit@example.com');
		expect((await host.api('GET', '/user-lifecycle/events', undefined, { token: reader.token })).status).toBe(403);
	});

	it('a login lock is recorded in words, with no raw instant; listed users show their lock and suspension end', async () => {
		const { id } = await host.createApiUser(role, 'locked-out@example.com');
		for (let i = 0; i < 2; i++) expect((await host.login('locked-out@example.com', `wrong-${i}`)).status).toBe(401);
		const [locked] = await events(id, 'login-locked');
		expect(locked.reason).toMatch(/^2 wrong passwords; logins refused for \d+ (minute|hour|second)s?$/);
		expect(locked.reason).not.toMatch(RAW_INSTANT);

		const suspended = await host.createApiUser(role, 'suspended-until@example.com');
		const until = new Date(Date.now() + 3 * 86_400_000).toISOString();
		expect((await host.admin('POST', `/user-lifecycle/users/${suspended.id}/status`, { status: 'suspended', until })).status).toBe(200);
		const users = `${id},${suspended.id},${adminId}`;
		const locks = await host.admin('GET', `/user-lifecycle/login-locks?users=${users}`);
		expect(locks.status, locks.text).toBe(200);
		expect(locks.body.data).toEqual([{ user: id, locked: true, locked_until: expect.stringMatching(ISO_WITH_ZONE), failures: 2 }]);
		const ends = await host.admin('GET', `/user-lifecycle/suspensions?users=${users}`);
		expect(ends.body.data).toEqual([{ user: suspended.id, until }]);
		// A reader of users sees suspension ends (the status is theirs to read), not locks (those take update permission).
		const reader = await host.createApiUser(role, 'user-reader@example.com');
		expect((await host.api('GET', `/user-lifecycle/suspensions?users=${users}`, undefined, { token: reader.token })).body.data).toHaveLength(1);
		expect((await host.api('GET', `/user-lifecycle/login-locks?users=${users}`, undefined, { token: reader.token })).body.data).toEqual([]);
		for (const bad of ['', '?users=', '?users=nope', `?users=${id}&extra=1`]) {
			expect((await host.admin('GET', `/user-lifecycle/login-locks${bad}`)).status, bad).toBe(400);
			expect((await host.admin('GET', `/user-lifecycle/suspensions${bad}`)).status, bad).toBe(400);
		}
	});

	it("the path names the Data Studio page a change came from: this module, the host's own pages, or the API", async () => {
		const { id } = await host.createApiUser(role, 'paths@example.com');
		const from = (page: string) => ({ referer: `${host.url}/admin/${page}` });
		const change = (status: string, headers?: Record<string, string>) =>
			host.api('POST', `/user-lifecycle/users/${id}/status`, { status }, { token: host.adminToken, headers });
		expect((await change('suspended', from('user-lifecycle/accounts'))).status).toBe(200);
		expect((await host.api('PATCH', `/users/${id}`, { status: 'active' }, { token: host.adminToken, headers: from(`users/${id}`) })).status).toBe(200);
		expect((await change('suspended')).status).toBe(200);
		// Another site's page is no Data Studio page.
		expect((await change('active', { referer: 'https://elsewhere.example.com/admin/user-lifecycle/accounts' })).status).toBe(200);
		const paths = (await events(id, 'status')).filter((e: any) => e.from !== null).map((e: any) => e.via);
		expect(paths).toEqual(['studio', 'app', 'api', 'api']);
	});

	it('the module is in the module bar after install, and its collections are out of the Content navigation', async () => {
		const settings = (await host.admin('GET', '/settings')).body.data;
		const bar = settings.module_bar as { type: string; id: string; enabled: boolean }[];
		expect(bar.find((item) => item.id === 'user-lifecycle')).toEqual({ type: 'module', id: 'user-lifecycle', enabled: true });
		expect(bar.map((item) => item.id)).toEqual(expect.arrayContaining(['content', 'users', 'files', 'settings']));
		const collections = (await host.admin('GET', '/collections')).body.data.filter((c: any) => c.collection.startsWith('user_lifecycle_'));
		expect(collections.map((c: any) => [c.collection, c.meta.hidden])).toEqual([
			['user_lifecycle_events', true],
			['user_lifecycle_outbox', true],
		]);
	});
});

describe('the module bar on a later start', { timeout: 180_000 }, () => {
	let host: TestHost;

	beforeAll(async () => {
		host = await startTestHost({ exclusive: true });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it("the module bar entry and the Users page field are added once: an admin's later choice stands across restarts", async () => {
		const bar = (await host.admin('GET', '/settings')).body.data.module_bar as { id: string }[];
		const users = bar.findIndex((item) => item.id === 'users');
		expect(bar[users + 1]).toEqual({ type: 'module', id: 'user-lifecycle', enabled: true });
		await host.setSettings({ module_bar: bar.filter((item) => item.id !== 'user-lifecycle') });
		const field = await host.admin('GET', '/fields/directus_users/user_lifecycle');
		expect(field.body.data.meta).toMatchObject({ interface: 'user-lifecycle-account', special: ['alias', 'no-data'] });
		expect((await host.admin('DELETE', '/fields/directus_users/user_lifecycle')).status).toBe(204);
		await host.restart();
		expect((await host.admin('GET', '/fields/directus_users/user_lifecycle')).status).toBe(403);
		const after = (await host.admin('GET', '/settings')).body.data.module_bar as { id: string }[];
		expect(after.some((item) => item.id === 'user-lifecycle')).toBe(false);
		expect(after.map((item) => item.id)).toEqual(bar.filter((item) => item.id !== 'user-lifecycle').map((item) => item.id));
	});
});
