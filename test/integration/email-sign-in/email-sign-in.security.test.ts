// Email sign-in under attack: the answer tells nothing about an address; a mailbox can't be
// flooded (one budget with reset mails); two-factor is never skipped; a link dies with the status
// and email it was issued for; a suspended user is refused; a login lock (which guards the
// password) does not stop the owner signing in by mail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import { codes, enableTfa, wrongCode } from '../two-factor/helpers.js';
import { EVENT_RECORDER, expectError, LOGIN_MAX_ATTEMPTS, secretsOf, SIGN_IN_ENV, STALL } from './profile.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 1200));

describe.each(await availableDatabases())('email sign-in, attacked, on %s', (db) => {
	let host: TestHost;
	let role: string;

	const ask = (email: string) => host.api('POST', '/user-lifecycle/email-sign-in/request', { email });
	const mailed = async (email: string, nth = 1) => {
		const res = await ask(email);
		expect(res.status, res.text).toBe(204);
		return secretsOf((await host.mailbox.waitFor(email, nth))[nth - 1]!);
	};
	const verify = (body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/email-sign-in/verify', body);
	const activeUser = (email: string, fields: Record<string, unknown> = {}) => host.createUser({ email, password: PASSWORD, role, status: 'active', ...fields });
	const adminPatch = async (id: string, body: Record<string, unknown>) => {
		const res = await host.admin('PATCH', `/users/${id}`, body);
		expect(res.status, res.text).toBe(200);
	};
	const noSession = (res: ApiResponse) => {
		expect(res.headers.getSetCookie()).toEqual([]);
		expect(res.body?.data).toBeUndefined();
	};

	beforeAll(async () => {
		host = await startTestHost({ db, env: SIGN_IN_ENV, extraExtensions: [EVENT_RECORDER] });
		role = await host.createApiRole('Email sign-in targets');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('unknown, suspended, draft, invited, archived, other-provider and throttled addresses answer as an active one does (status, body, stall); only the active one gets mail', async () => {
		const active = 'alike.active@example.com';
		await activeUser(active);
		const others = ['alike.suspended@example.com', 'alike.draft@example.com', 'alike.invited@example.com', 'alike.archived@example.com', 'alike.sso@example.com'];
		for (const email of others) {
			const id = await activeUser(email);
			const change = email.includes('sso') ? { provider: 'ldap' } : { status: email.split('.')[1]!.split('@')[0] };
			await host.knex('directus_users').where({ id }).update(change);
		}
		const throttled = 'alike.throttled@example.com';
		await activeUser(throttled);
		for (let i = 0; i < 5; i++) expect((await ask(throttled)).status).toBe(204);
		await host.mailbox.waitFor(throttled, 5);

		const answers: ApiResponse[] = [];
		for (const email of [active, 'alike.nobody@example.com', ...others, throttled, active.toUpperCase()]) answers.push(await ask(email));
		for (const res of answers) {
			expect(res.status).toBe(204);
			expect(res.text).toBe('');
			expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
			expect(res.ms).toBeLessThan(STALL + 2500);
		}
		await host.mailbox.waitFor(active, 2);
		await settle();
		expect(host.mailbox.to(active)).toHaveLength(2);
		for (const email of ['alike.nobody@example.com', ...others]) expect(host.mailbox.to(email)).toHaveLength(0);
		expect(host.mailbox.to(throttled)).toHaveLength(5);
		// another provider's user makes the unlicensed host lock its logins: the fixture goes
		await host.knex('directus_users').where({ email: 'alike.sso@example.com' }).update({ provider: 'default' });
	});

	it('the per-address throttle is one budget with reset mails (USER_LIFECYCLE_RESET_MAX_PER_HOUR = 5); a throttled request ends nothing', async () => {
		const email = 'budget.shared@example.com';
		await activeUser(email);
		await mailed(email, 1);
		const second = await mailed(email, 2);
		for (let i = 0; i < 3; i++) expect((await host.api('POST', '/user-lifecycle/password/request', { email })).status).toBe(204);
		await host.mailbox.waitFor(email, 5);
		expect((await ask(email)).status).toBe(204);
		expect((await host.api('POST', '/user-lifecycle/password/request', { email })).status).toBe(204);
		await settle();
		const mails = host.mailbox.to(email);
		expect(mails).toHaveLength(5);
		expect(mails.map((m) => m.subject).sort()).toEqual(['Password Reset Request', 'Password Reset Request', 'Password Reset Request', 'Your sign-in link', 'Your sign-in link']);
		// the throttled request revoked nothing: the last mailed link still signs in
		expect((await verify({ token: second.token })).status).toBe(200);
	});

	it('two-factor is never skipped: no or a wrong OTP is INVALID_OTP with no session and the link stays usable; the right one (or a recovery code) signs in', async () => {
		const email = 'tfa.signin@example.com';
		const { id, token: access } = await host.createApiUser(role, email);
		const { secret, recoveryCodes } = await enableTfa(host, access);

		const link = await mailed(email, 1);
		for (const body of [{ token: link.token }, { token: link.token, mode: 'session' }, { email, code: link.code }]) {
			const res = await verify(body);
			expectError(res, 401, 'INVALID_OTP');
			noSession(res);
		}
		const { current, previous, next } = await codes(secret);
		for (let i = 0; i < 3; i++) {
			const res = await verify({ token: link.token, otp: wrongCode(current, previous, next) });
			expectError(res, 401, 'INVALID_OTP');
			noSession(res);
		}
		const signedIn = await verify({ token: link.token, otp: current, mode: 'cookie' });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect((await host.api('GET', '/users/me?fields=id', undefined, { token: signedIn.body.data.access_token })).body.data.id).toBe(id);
		// the code was accepted once: the host's own login refuses it now (RFC 6238 §5.2)
		expectError(await host.login(email, PASSWORD, { otp: current }), 401, 'INVALID_OTP');

		// by code, with a recovery code in the OTP field: spent
		const byCode = await mailed(email, 2);
		expectError(await verify({ email, code: byCode.code }), 401, 'INVALID_OTP');
		const recovered = await verify({ email, code: byCode.code, otp: recoveryCodes[0]! });
		expect(recovered.status, recovered.text).toBe(200);
		expect((await host.api('GET', '/user-lifecycle/tfa', undefined, { token: recovered.body.data.access_token })).body.data.recovery_codes_remaining).toBe(recoveryCodes.length - 1);
		const third = await mailed(email, 3);
		expectError(await verify({ token: third.token, otp: recoveryCodes[0]! }), 401, 'INVALID_OTP');
	});

	it('wrong OTPs count as the request\'s tries: the fifth ends it', async () => {
		const email = 'tfa.tries@example.com';
		const { token: access } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, access);
		const link = await mailed(email, 1);
		const { current, previous, next } = await codes(secret);
		const answers: ApiResponse[] = [];
		for (let i = 0; i < 5; i++) answers.push(await verify({ token: link.token, otp: wrongCode(current, previous, next) }));
		// the code lock (USER_LIFECYCLE_OTP_MAX_ATTEMPTS = 5) answers the fifth with its 429
		for (const res of answers.slice(0, 4)) expectError(res, 401, 'INVALID_OTP');
		expect([401, 429]).toContain(answers[4]!.status);
		expectError(await verify({ token: link.token, otp: current }), 403, 'INVALID_TOKEN');
	});

	it('a suspended user gets no mail and the link they had is refused; a timed suspension too; the link stays dead once they are active again', async () => {
		const email = 'suspended.signin@example.com';
		const id = await activeUser(email);
		const before = await mailed(email, 1);
		const suspended = await host.admin('POST', `/user-lifecycle/users/${id}/status`, { status: 'suspended', reason: 'test', until: new Date(Date.now() + 3600_000).toISOString() });
		expect(suspended.status, suspended.text).toBe(200);
		expectError(await verify({ token: before.token }), 403, 'INVALID_TOKEN');
		expectError(await verify({ email, code: before.code }), 401, 'INVALID_CREDENTIALS');
		expect((await ask(email)).status).toBe(204);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(1);

		const other = 'suspended.between@example.com';
		const otherId = await activeUser(other);
		const link = await mailed(other, 1);
		await adminPatch(otherId, { status: 'suspended' });
		await adminPatch(otherId, { status: 'active' });
		expectError(await verify({ token: link.token }), 403, 'INVALID_TOKEN');
		expect((await verify({ token: (await mailed(other, 2)).token })).status).toBe(200);
	});

	it('an email change ends the link and the code, even back to the same address; other edits do not', async () => {
		const email = 'moved.signin@example.com';
		const id = await activeUser(email);
		const link = await mailed(email, 1);
		await adminPatch(id, { email: 'moved.elsewhere@example.com' });
		await adminPatch(id, { email });
		expectError(await verify({ token: link.token }), 403, 'INVALID_TOKEN');
		expectError(await verify({ email, code: link.code }), 401, 'INVALID_CREDENTIALS');

		const kept = await mailed(email, 2);
		await adminPatch(id, { first_name: 'Kept', title: 'still active' });
		expect((await verify({ token: kept.token })).status).toBe(200);
	});

	it('a login lock does not stop a sign-in by mail (it guards the password)', async () => {
		const email = 'locked.signin@example.com';
		const id = await activeUser(email);
		for (let i = 0; i < LOGIN_MAX_ATTEMPTS; i++) expectError(await host.login(email, `wrong-password-${i}`), 401, 'INVALID_CREDENTIALS');
		expectError(await host.login(email, PASSWORD), 401, 'INVALID_CREDENTIALS');
		expect(await host.knex('user_lifecycle_events').where({ user: id, event: 'login-locked' })).toHaveLength(1);
		const link = await mailed(email, 1);
		const signedIn = await verify({ token: link.token });
		expect(signedIn.status, signedIn.text).toBe(200);
		expect((await host.userByEmail(email)).status).toBe('active');
	});
});
