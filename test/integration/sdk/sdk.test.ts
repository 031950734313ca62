// Each flow as a frontend using @directus/sdk meets it: the SDK's own commands for the host's
// routes (register and verify, invite and accept, two-factor set-up and login, a status change,
// single and bulk), `customEndpoint` for ours (sessions, the login lock). The hardened behaviour
// shows through the client: single-use links read from the mail, replayed codes refused, the
// transition table and the audit trail, errors in the host's shape (`errors[0].extensions.code`).
import {
	acceptUserInvite,
	authentication,
	createDirectus,
	customEndpoint,
	disableTwoFactor,
	enableTwoFactor,
	generateTwoFactorSecret,
	inviteUser,
	readMe,
	registerUser,
	registerUserVerify,
	rest,
	staticToken,
	updateUser,
	updateUsers,
} from '@directus/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { LOCKED_FOR_AN_HOUR } from '../../harness/profiles.js';
import { codes, wrongCode } from '../two-factor/helpers.js';

const MAX_LOGIN_ATTEMPTS = LOCKED_FOR_AN_HOUR.maxAttempts;

describe.each(await availableDatabases())('@directus/sdk on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;
	let seq = 0;
	const newEmail = () => `sdk.${++seq}@example.com`;

	/** A client signed in as the admin (a static token: the admin's access token). */
	const adminClient = () => createDirectus(host.url).with(staticToken(host.adminToken)).with(rest());
	const publicClient = () => createDirectus(host.url).with(rest());
	/**
	 * `registerUserVerify` as the SDK sends it, the answer seen before any redirect is followed
	 * (the host's own route answers a redirect into the Data Studio; so does ours).
	 */
	const verifyThroughSdk = async (token: string) => {
		let answer: Response | undefined;
		const client = createDirectus(host.url, {
			globals: { fetch: async (url: string | URL | Request, init?: RequestInit) => (answer = await fetch(url, { ...init, redirect: 'manual' })).clone() },
		}).with(rest());
		const code = await codeOf(client.request(registerUserVerify(token)));
		return { status: answer!.status, location: answer!.headers.get('location'), code };
	};
	/** A client that logs in with email and password (JSON mode, no background refresh). */
	const userClient = () => createDirectus(host.url).with(authentication('json', { autoRefresh: false })).with(rest());
	const codeOf = async (promise: Promise<unknown>) => {
		try {
			await promise;
		} catch (error) {
			return (error as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? `no code: ${JSON.stringify(error)}`;
		}
		return 'resolved';
	};
	const events = (user: string, event: string) => host.knex('user_lifecycle_events').where({ user, event });

	beforeAll(async () => {
		host = await startTestHost({ db, ...LOCKED_FOR_AN_HOUR });
		role = await host.createApiRole('SDK users');
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: role });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('registerUser and registerUserVerify: the link from the mail verifies once, then the password logs in', async () => {
		const email = newEmail();
		expect(await publicClient().request(registerUser(email, PASSWORD))).toBeNull();
		const user = await host.userByEmail(email);
		expect(user.status).toBe('unverified');
		const token = await host.mailbox.tokenFor(email);
		expect(await codeOf(userClient().login({ email, password: PASSWORD }))).toBe('INVALID_CREDENTIALS');

		const verified = await verifyThroughSdk(token);
		expect(verified).toMatchObject({ status: 302, location: `/admin/users/${user.id}` });
		expect((await host.userByEmail(email)).status).toBe('active');
		expect(await verifyThroughSdk(token)).toMatchObject({ status: 403, code: 'INVALID_TOKEN' });

		const client = userClient();
		await client.login({ email, password: PASSWORD });
		// (The role reads no field of directus_users: /users/me answers the id alone.)
		expect(await client.request(readMe({ fields: ['id'] }))).toEqual({ id: user.id });
		// The same email again: the same answer as a new one, and no second account.
		expect(await publicClient().request(registerUser(email, 'another-password-1'))).toBeNull();
		expect(await host.knex('directus_users').whereRaw('LOWER(email) = ?', [email])).toHaveLength(1);
	});

	it('inviteUser and acceptUserInvite: one mail through the outbox, its link accepted once', async () => {
		const email = newEmail();
		expect(await adminClient().request(inviteUser(email, role))).toBeNull();
		const token = await host.mailbox.tokenFor(email);
		expect((await host.userByEmail(email)).status).toBe('invited');
		expect(await publicClient().request(acceptUserInvite(token, PASSWORD))).toBeNull();
		expect((await host.userByEmail(email)).status).toBe('active');
		expect(await codeOf(publicClient().request(acceptUserInvite(token, 'another-password-1')))).toBe('INVALID_TOKEN');
		const client = userClient();
		await client.login({ email, password: PASSWORD });
		expect((await client.request(readMe({ fields: ['id'] }))).id).toBe((await host.userByEmail(email)).id);
		// A non-admin client may not invite.
		expect(await codeOf(client.request(inviteUser(newEmail(), role)))).toBe('FORBIDDEN');
	});

	it('two-factor through the SDK: set-up, login with a code, a replayed code refused, disable', async () => {
		const email = newEmail();
		const { id } = await host.createApiUser(role, email);
		const client = userClient();
		await client.login({ email, password: PASSWORD });
		expect(await codeOf(client.request(generateTwoFactorSecret('wrong-password')))).toBe('INVALID_CREDENTIALS');
		const { secret, otpauth_url } = await client.request(generateTwoFactorSecret(PASSWORD));
		expect(otpauth_url).toContain(`secret=${secret}`);
		const { previous, current, next } = await codes(secret);
		expect(await codeOf(client.request(enableTwoFactor(secret, wrongCode(previous, current, next))))).toBe('INVALID_PAYLOAD');
		expect(await client.request(enableTwoFactor(secret, previous))).toBeNull();
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBe(secret);

		expect(await codeOf(userClient().login({ email, password: PASSWORD }))).toBe('INVALID_OTP');
		const second = userClient();
		await second.login({ email, password: PASSWORD }, { otp: current });
		expect((await second.request(readMe({ fields: ['id'] }))).id).toBe(id);
		// The code just used is spent: the host alone would take it again within its step.
		expect(await codeOf(userClient().login({ email, password: PASSWORD }, { otp: current }))).toBe('INVALID_OTP');
		expect(await codeOf(second.request(disableTwoFactor(current)))).toBe('INVALID_PAYLOAD');
		expect(await second.request(disableTwoFactor(next))).toBeNull();
		expect((await host.knex('directus_users').where({ id }).first()).tfa_secret).toBeNull();
	});

	it('updateUser / updateUsers with a status: the transition table holds, each change is audited', async () => {
		const a = await host.createApiUser(role, newEmail());
		const b = await host.createApiUser(role, newEmail());
		const admin = adminClient();
		await admin.request(updateUser(a.id, { status: 'suspended' }));
		expect((await events(a.id, 'status')).map((e: any) => [e.from, e.to, e.actor, e.via])).toContainEqual(['active', 'suspended', adminId, 'api']);
		// `invited` is reached only through an invitation.
		expect(await codeOf(admin.request(updateUser(a.id, { status: 'invited' })))).toBe('INVALID_PAYLOAD');
		expect((await host.knex('directus_users').where({ id: a.id }).first()).status).toBe('suspended');
		await admin.request(updateUsers([a.id, b.id], { status: 'archived' }));
		for (const { id } of [a, b]) {
			expect((await host.knex('directus_users').where({ id }).first()).status).toBe('archived');
			expect((await events(id, 'status')).some((e: any) => e.to === 'archived' && e.actor === adminId)).toBe(true);
		}
		// A user may not change their own status.
		const c = await host.createApiUser(role, newEmail());
		const own = createDirectus(host.url).with(staticToken(c.token)).with(rest());
		expect(await codeOf(own.request(updateUser(c.id, { status: 'active' })))).toBe('FORBIDDEN');
	});

	it('our routes through customEndpoint: sessions, and an admin lifting a login lock', async () => {
		const email = newEmail();
		const { id } = await host.createApiUser(role, email);
		const client = userClient();
		await client.login({ email, password: PASSWORD });
		const mine = await client.request(customEndpoint<{ id: string; current: boolean }[]>({ path: '/user-lifecycle/sessions', method: 'GET' }));
		expect(mine.length).toBeGreaterThanOrEqual(2); // createApiUser's login and this one
		expect(mine.every((s) => typeof s.id === 'string' && s.id.length > 0)).toBe(true);

		for (let i = 0; i < MAX_LOGIN_ATTEMPTS; i++) expect(await codeOf(userClient().login({ email, password: `wrong-password-${i}` }))).toBe('INVALID_CREDENTIALS');
		expect(await codeOf(userClient().login({ email, password: PASSWORD }))).toBe('INVALID_CREDENTIALS');
		const admin = adminClient();
		const lock = await admin.request(customEndpoint<{ locked: boolean; failures: number }>({ path: `/user-lifecycle/users/${id}/login-lock`, method: 'GET' }));
		expect(lock).toMatchObject({ locked: true, failures: MAX_LOGIN_ATTEMPTS });
		// The locked user's own session can't lift it.
		expect(await codeOf(client.request(customEndpoint({ path: `/user-lifecycle/users/${id}/login-lock`, method: 'DELETE' })))).toBe('FORBIDDEN');
		expect(await admin.request(customEndpoint({ path: `/user-lifecycle/users/${id}/login-lock`, method: 'DELETE' }))).toEqual({ unlocked: true });
		await userClient().login({ email, password: PASSWORD });

		const ended = await admin.request(customEndpoint<{ ended: number }>({ path: `/user-lifecycle/users/${id}/sessions`, method: 'DELETE' }));
		expect(ended.ended).toBeGreaterThanOrEqual(3);
		// Its refresh token died with its session.
		expect(await codeOf(client.refresh())).toBe('INVALID_CREDENTIALS');
	});
});
