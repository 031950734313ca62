// Lifecycle events as another extension of the project hears them: a plain hook (the
// event-recorder fixture) listening with `action('user-lifecycle.<step>')`. Each step arrives
// once, after its transaction committed (the database already shows the change when the event
// is heard), through every door (our routes, the host's REST routes, GraphQL), carrying no
// token, code, secret or password; a step that rolls back sends nothing.
// "After the commit" is told apart on PostgreSQL and MariaDB (the listener's read runs on its own
// connection and would see the old row); on SQLite the host's one connection makes it wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { EVENTS_AND_OUTBOX, recordedEvents } from '../../harness/profiles.js';
import { codes } from '../two-factor/helpers.js';

const BLOCKED = 'blocked-by-project.example.com';

interface Recorded {
	event: string;
	payload: Record<string, any>;
	/** The user's row as the database showed it when the event was heard. */
	row: { status?: string; tfa?: boolean; missing?: true } | null;
}

describe.each(await availableDatabases())('lifecycle events on %s', (db) => {
	let host: TestHost;
	let adminId: string;
	let inviteeRole: string;
	/** Every token, code, secret and password the test handled: none may be in any payload. */
	const secrets: string[] = [PASSWORD];

	const recorded = (): Recorded[] => recordedEvents() as Recorded[];
	/** Steps heard since `before` that a refused registration or invitation could wrongly send (the recorder's file is the worker's: an earlier file's late mail outcome may land in it). */
	const sentSince = (before: number) => recorded().slice(before).filter((r) => ['registered', 'invited', 'email-verified'].some((step) => r.event === `user-lifecycle.${step}`));
	const about = (step: string, user: string) => recorded().filter((r) => r.event === `user-lifecycle.${step}` && r.payload.user === user);

	/** Waits for the step's event about `user`, then a while longer to see that no second one follows. */
	const once = async (step: string, user: string, timeoutMs = 15_000): Promise<Recorded> => {
		const deadline = Date.now() + timeoutMs;
		while (about(step, user).length === 0) {
			if (Date.now() > deadline) throw new Error(`no ${step} event for ${user}; heard: ${recorded().map((r) => r.event).join(', ')}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		await new Promise((resolve) => setTimeout(resolve, 700));
		const events = about(step, user);
		expect(events, `${step} for ${user}`).toHaveLength(1);
		return events[0]!;
	};

	const graphql = (query: string, variables: Record<string, unknown>, token?: string) => host.api('POST', '/graphql/system', { query, variables }, { token: token ?? null });

	beforeAll(async () => {
		host = await startTestHost({ db, ...EVENTS_AND_OUTBOX });
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
		inviteeRole = await host.createApiRole('Invitees');
		const registered = await host.createApiRole('Registered');
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: registered });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('registered, then email-verified: once each, after the commit, with no token or password', async () => {
		const email = 'reg-events@example.com';
		const res = await host.api('POST', '/user-lifecycle/register', { email, password: PASSWORD, first_name: 'Reg' });
		expect(res.status, res.text).toBe(204);
		const user = await host.userByEmail(email);
		const registered = await once('registered', user.id);
		expect(registered.row).toEqual({ status: 'unverified', tfa: false });
		expect(registered.payload).toMatchObject({ user: user.id, actor: null, via: 'api', status: 'unverified', verification: true });

		const token = await host.mailbox.tokenFor(email);
		secrets.push(token);
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token })).status).toBe(204);
		const verified = await once('email-verified', user.id);
		expect(verified.row).toEqual({ status: 'active', tfa: false });
		expect(verified.payload).toMatchObject({ user: user.id, actor: null, via: 'api', status: 'active' });
	});

	it("the host's REST and GraphQL doors say so in `via`", async () => {
		const native = 'reg-native@example.com';
		expect((await host.api('POST', '/users/register', { email: native, password: PASSWORD })).status).toBe(204);
		const nativeUser = await host.userByEmail(native);
		expect((await once('registered', nativeUser.id)).payload.via).toBe('native');
		// The host's verification link (a redirect into the Data Studio).
		const token = await host.mailbox.tokenFor(native);
		secrets.push(token);
		const link = await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(token)}`);
		expect(link.status).toBe(302);
		expect((await once('email-verified', nativeUser.id)).payload.via).toBe('native');

		const viaGraphql = 'reg-graphql@example.com';
		const res = await graphql('mutation ($email: String!, $password: String!) { users_register(email: $email, password: $password) }', { email: viaGraphql, password: PASSWORD });
		expect(res.status, res.text).toBe(200);
		expect(res.body.errors).toBeUndefined();
		const graphqlUser = await host.userByEmail(viaGraphql);
		expect((await once('registered', graphqlUser.id)).payload.via).toBe('graphql');
	});

	it('a registration the project refuses (its users.create filter) rolls back and sends nothing', async () => {
		const before = recorded().length;
		const res = await host.api('POST', '/user-lifecycle/register', { email: `someone@${BLOCKED}`, password: PASSWORD });
		expect(res.status).toBe(400);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(sentSince(before)).toEqual([]);
	});

	it('invited (naming the inviter), resent, accepted and revoked: once each, after the commit', async () => {
		const [a, b] = ['inv-a@example.com', 'inv-b@example.com'];
		const res = await host.admin('POST', '/user-lifecycle/invite', { email: [a, b], role: inviteeRole });
		expect(res.status, res.text).toBe(200);
		const userA = await host.userByEmail(a);
		const userB = await host.userByEmail(b);
		for (const user of [userA, userB]) {
			const invited = await once('invited', user.id);
			expect(invited.row).toEqual({ status: 'invited', tfa: false });
			expect(invited.payload).toMatchObject({ user: user.id, actor: adminId, inviter: adminId, via: 'api', role: inviteeRole, again: false });
		}

		expect((await host.admin('POST', '/user-lifecycle/invite/resend', { user: userA.id })).status).toBe(204);
		const deadline = Date.now() + 15_000;
		while (about('invited', userA.id).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
		await new Promise((resolve) => setTimeout(resolve, 700));
		const invitedA = about('invited', userA.id);
		expect(invitedA).toHaveLength(2);
		expect(invitedA[1]!.payload).toMatchObject({ again: true, via: 'api', actor: adminId });

		// Accepted through the host's own route, with the newest link.
		const token = await host.mailbox.tokenFor(a, 2);
		secrets.push(token, ...host.mailbox.to(a).flatMap((m) => m.tokens));
		const accept = await host.api('POST', '/users/invite/accept', { token, password: PASSWORD });
		expect(accept.status, accept.text).toBe(204);
		const accepted = await once('invite-accepted', userA.id);
		expect(accepted.row).toEqual({ status: 'active', tfa: false });
		expect(accepted.payload).toMatchObject({ user: userA.id, actor: userA.id, via: 'native', status: 'active' });

		secrets.push(...(await host.mailbox.waitFor(b)).flatMap((m) => m.tokens));
		expect((await host.admin('POST', '/user-lifecycle/invite/revoke', { user: userB.id })).status).toBe(204);
		const revoked = await once('invite-revoked', userB.id);
		expect(revoked.row).toEqual({ status: 'archived', tfa: false });
		expect(revoked.payload).toMatchObject({ user: userB.id, actor: adminId, via: 'api' });
	});

	it('an invitation batch the project refuses halfway rolls back and sends nothing', async () => {
		const before = recorded().length;
		const res = await host.admin('POST', '/user-lifecycle/invite', { email: ['inv-rollback@example.com', `x@${BLOCKED}`], role: inviteeRole });
		expect(res.status).toBe(400);
		expect(await host.userByEmail('inv-rollback@example.com')).toBeUndefined();
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(sentSince(before)).toEqual([]);
	});

	it('tfa-enabled, tfa-disabled and tfa-reset through every door: once each, after the commit', async () => {
		const role = await host.createApiRole('Two-factor users');
		const { id, token } = await host.createApiUser(role, 'tfa-events@example.com');

		// Ours.
		const generated = await host.api('POST', '/user-lifecycle/tfa/generate', { password: PASSWORD }, { token });
		const secret: string = generated.body.data.secret;
		const first = await codes(secret);
		const enabled = await host.api('POST', '/user-lifecycle/tfa/enable', { secret, otp: first.previous }, { token });
		expect(enabled.status, enabled.text).toBe(200);
		secrets.push(secret, first.previous, first.current, first.next, ...enabled.body.data.recovery_codes);
		const on = await once('tfa-enabled', id);
		expect(on.row).toEqual({ status: 'active', tfa: true });
		expect(on.payload).toMatchObject({ user: id, actor: id, via: 'api' });

		// The host's REST route.
		const off = await host.api('POST', '/users/me/tfa/disable', { otp: first.current }, { token });
		expect(off.status, off.text).toBe(204);
		const disabled = await once('tfa-disabled', id);
		expect(disabled.row).toEqual({ status: 'active', tfa: false });
		expect(disabled.payload).toMatchObject({ user: id, actor: id, via: 'native' });

		// GraphQL.
		const again = await graphql('mutation ($password: String!) { users_me_tfa_generate(password: $password) { secret otpauth_url } }', { password: PASSWORD }, token);
		expect(again.body.errors, again.text).toBeUndefined();
		const secondSecret: string = again.body.data.users_me_tfa_generate.secret;
		const second = await codes(secondSecret);
		secrets.push(secondSecret, second.previous, second.current, second.next);
		const viaGraphql = await graphql('mutation ($secret: String!, $otp: String!) { users_me_tfa_enable(secret: $secret, otp: $otp) }', { secret: secondSecret, otp: second.current }, token);
		expect(viaGraphql.body.errors, viaGraphql.text).toBeUndefined();
		const deadline = Date.now() + 15_000;
		while (about('tfa-enabled', id).length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
		await new Promise((resolve) => setTimeout(resolve, 700));
		const enabledEvents = about('tfa-enabled', id);
		expect(enabledEvents).toHaveLength(2);
		expect(enabledEvents[1]!.payload.via).toBe('graphql');
		expect(enabledEvents[1]!.row).toEqual({ status: 'active', tfa: true });

		// The admins' reset, through the host's "disable TFA for this user".
		expect((await host.admin('POST', `/users/${id}/tfa/disable`)).status).toBe(204);
		const reset = await once('tfa-reset', id);
		expect(reset.row).toEqual({ status: 'active', tfa: false });
		expect(reset.payload).toMatchObject({ user: id, actor: adminId, via: 'native' });
	});

	it("mail-failed once the outbox gives a mail up, about the user it was for, without the link", async () => {
		const email = 'nobody@reject.example.net';
		expect((await host.admin('POST', '/user-lifecycle/invite', { email, role: inviteeRole })).status).toBe(200);
		const user = await host.userByEmail(email);
		const failed = await once('mail-failed', user.id, 30_000);
		expect(failed.payload).toMatchObject({ user: user.id, actor: null, via: 'outbox', kind: 'invite', to: email, attempts: 2 });
		expect(failed.payload.mail).toEqual(expect.any(String));
		const row = await host.knex('user_lifecycle_outbox').where({ id: failed.payload.mail }).first();
		expect(row.status).toBe('failed');
		expect(JSON.stringify(failed.payload)).not.toMatch(/token=|https?:\/\//);
	});

	it('status-changed when an admin changes a status (PATCH /users/:id), after the commit', async () => {
		const role = await host.createApiRole('Status people');
		const { id } = await host.createApiUser(role, 'status-events@example.com');
		const res = await host.admin('PATCH', `/users/${id}`, { status: 'suspended' });
		expect(res.status, res.text).toBe(200);
		const changed = await once('status-changed', id);
		expect(changed.row).toMatchObject({ status: 'suspended' });
		expect(changed.payload).toMatchObject({ user: id, actor: adminId, from: 'active', to: 'suspended' });
	});

	it('no payload carries a token, code, secret or password handled in this file', () => {
		const all = recorded();
		expect(all.length).toBeGreaterThan(10);
		const payloads = all.map((r) => JSON.stringify(r.payload));
		for (const secret of secrets) {
			for (const payload of payloads) expect(payload.includes(secret), `a payload holds a secret: ${payload}`).toBe(false);
		}
		for (const payload of payloads) expect(payload).not.toMatch(/password|tfa_secret|token/i);
	});
});
