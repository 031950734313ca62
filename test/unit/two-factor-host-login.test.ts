// The guard on the host's login, against a real SQLite file, its hooks driven directly.
// Other providers (issue 10, item 4): the filter runs before the host checks an LDAP password, so
// it must neither count nor record a code there; the `auth.login` action, emitted after the
// provider accepted the password, books the outcome. (No LDAP server in the test rig.)
// Default provider (issue 12): one password verification per login — none by us for a right
// code (claimed before the host's checks, given back if the host refuses the login), ours
// instead of the host's for a wrong or replayed one.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { InvalidCredentialsError, InvalidOtpError } from '../../src/shared/util/errors.js';
import type { Runtime } from '../../src/shared/runtime.js';
import { registerHostLoginGuard } from '../../src/two-factor/host-login.js';
import { ensureTwoFactorTables, OTP_ATTEMPTS_TABLE, OTP_STEPS_TABLE } from '../../src/two-factor/store.js';
import { generateTotpSecret, msLeftInStep, totpAt } from '../../src/two-factor/totp.js';

type Filter = (payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>) => Promise<unknown>;
type Action = (meta: Record<string, unknown>, context: Record<string, unknown>) => Promise<void>;

const MAX = 3;
const secret = generateTotpSecret();

async function currentCode(): Promise<string> {
	if (msLeftInStep(Date.now()) < 3000) await new Promise((resolve) => setTimeout(resolve, msLeftInStep(Date.now()) + 50));
	return totpAt(secret, Date.now());
}
const wrongFor = (code: string) => (code === '123456' ? '654321' : '123456');

describe('the host-login guard for other providers (SQLite)', () => {
	const store = useSqliteStore(async (knex: Knex) => {
		await ensureTwoFactorTables(knex);
		if (!(await knex.schema.hasTable('directus_users'))) {
			await knex.schema.createTable('directus_users', (t) => {
				t.string('id', 36).primary();
				t.string('email').nullable();
				t.string('status').notNullable();
				t.string('provider').notNullable();
				t.string('external_identifier').nullable();
				t.string('tfa_secret').nullable();
			});
		}
	});
	let filters: Record<string, Filter>;
	let action: Action;
	let passwordChecks: number;
	let reported: Record<string, unknown>[];

	beforeEach(async () => {
		const { knex } = store;
		for (const table of ['directus_users', OTP_ATTEMPTS_TABLE, OTP_STEPS_TABLE]) await knex(table).delete();
		await knex('directus_users').insert([
			{ id: 'ldap-user', email: null, status: 'active', provider: 'ldap', external_identifier: 'uid=someone', tfa_secret: secret },
			{ id: 'sso-user', email: 'sso@example.com', status: 'active', provider: 'openid', external_identifier: 'sub-1', tfa_secret: secret },
			{ id: 'local-user', email: 'local@example.com', status: 'active', provider: 'default', external_identifier: null, tfa_secret: secret },
		]);
		passwordChecks = 0;
		reported = [];
		filters = {};
		const rt = {
			knex,
			config: { otpMaxAttempts: MAX, otpLockMs: 60_000, loginStallMs: 0 },
			services: {
				AuthenticationService: class {
					async verifyPassword(_id: string, password: string) {
						passwordChecks++;
						if (password !== 'right-password') throw new InvalidCredentialsError();
					}
				},
			},
			logger: { warn: () => {} },
			getSchema: async () => ({}),
			events: { emitHost: async (event: string, meta: Record<string, unknown>) => void reported.push({ event, ...meta }) },
		} as unknown as Runtime;
		const register = {
			filter: (event: string, handler: Filter) => void (filters[event] = handler),
			action: (_event: string, handler: Action) => void (action = handler),
		} as unknown as RegisterFunctions;
		registerHostLoginGuard(register, rt);
	});

	const attempts = async (user: string) => (await store.knex(OTP_ATTEMPTS_TABLE).where({ user_id: user }).first())?.failures ?? 0;
	const login = (user: string, provider: string, payload: Record<string, unknown>) => filters['auth.login']!(payload, { user, provider, status: 'pending' }, { schema: {} });
	/** The host's `auth.jwt` filter: both of its checks passed, the session is about to be made. */
	const jwt = (user: string) => filters['auth.jwt']!({ id: user }, { user, provider: 'default', status: 'pending', type: 'login' }, {});
	const steps = async (user: string) => (await store.knex(OTP_STEPS_TABLE).where({ user_id: user })).length;
	const outcome = (user: string, provider: string, payload: Record<string, unknown>, status: 'success' | 'fail', error?: Error) =>
		action({ event: 'auth.login', payload, status, user, provider, error }, {});

	it('LDAP: without the password nobody burns the attempts or a step in the filter', async () => {
		const code = await currentCode();
		for (let i = 0; i < MAX * 3; i++) await expect(login('ldap-user', 'ldap', { identifier: 'someone', password: 'guess', otp: wrongFor(code) })).resolves.toBeDefined();
		await expect(login('ldap-user', 'ldap', { identifier: 'someone', password: 'guess', otp: code })).resolves.toBeDefined();
		// The host then refuses the password: its action says INVALID_CREDENTIALS, which books nothing.
		await outcome('ldap-user', 'ldap', { identifier: 'someone', password: 'guess', otp: wrongFor(code) }, 'fail', new InvalidCredentialsError());
		expect(await attempts('ldap-user')).toBe(0);
		expect(await store.knex(OTP_STEPS_TABLE).where({ user_id: 'ldap-user' })).toHaveLength(0);
		expect(passwordChecks).toBe(0);
	});

	it('LDAP: codes the host refused after the password count, and lock at the cap; the lock holds with or without a code', async () => {
		const code = await currentCode();
		const payload = { identifier: 'someone', password: 'right-password', otp: wrongFor(code) };
		// The Data Studio's first leg carries no code: the host's INVALID_OTP there is no wrong code.
		await outcome('ldap-user', 'ldap', { identifier: 'someone', password: 'right-password' }, 'fail', new InvalidOtpError());
		expect(await attempts('ldap-user')).toBe(0);
		for (let i = 0; i < MAX; i++) await outcome('ldap-user', 'ldap', payload, 'fail', new InvalidOtpError());
		const locked = login('ldap-user', 'ldap', { ...payload, otp: code });
		await expect(locked).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
		await expect(login('ldap-user', 'ldap', { identifier: 'someone', password: 'x' })).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
	});

	it('LDAP: an accepted code records its step (and clears the count); its replay is refused before the host checks anything', async () => {
		const code = await currentCode();
		const payload = { identifier: 'someone', password: 'right-password', otp: code };
		await outcome('ldap-user', 'ldap', { ...payload, otp: wrongFor(code) }, 'fail', new InvalidOtpError());
		expect(await attempts('ldap-user')).toBe(1);
		await expect(login('ldap-user', 'ldap', payload)).resolves.toBeDefined();
		await outcome('ldap-user', 'ldap', payload, 'success');
		expect(await store.knex(OTP_STEPS_TABLE).where({ user_id: 'ldap-user' })).toHaveLength(1);
		expect(await attempts('ldap-user')).toBe(0);
		await expect(login('ldap-user', 'ldap', payload)).rejects.toMatchObject({ code: 'INVALID_OTP' });
		expect(await attempts('ldap-user')).toBe(0);
	});

	it('OpenID/OAuth2: the code is out of sight; nothing is booked, the lock still refuses', async () => {
		await expect(login('sso-user', 'openid', { code: 'c', codeVerifier: 'v', state: 's' })).resolves.toBeDefined();
		await outcome('sso-user', 'openid', { code: 'c', codeVerifier: 'v', state: 's' }, 'fail', new InvalidOtpError());
		expect(await attempts('sso-user')).toBe(0);
		await store.knex(OTP_ATTEMPTS_TABLE).insert({ user_id: 'sso-user', failures: MAX, window_start: Date.now(), locked_until: Date.now() + 60_000 });
		await expect(login('sso-user', 'openid', { code: 'c', codeVerifier: 'v', state: 's' })).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
	});

	const local = (password: string, otp: string) => ({ email: 'local@example.com', password, otp });

	it('default provider, wrong code: the password is verified here (the host never verifies it); without it nothing is counted, and the refusal is reported like the host\'s', async () => {
		const code = await currentCode();
		for (let i = 0; i < MAX + 2; i++) await expect(login('local-user', 'default', local('guess', wrongFor(code)))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
		expect(passwordChecks).toBe(MAX + 2);
		expect(await attempts('local-user')).toBe(0);
		expect(await steps('local-user')).toBe(0);
		expect(reported).toHaveLength(MAX + 2);
		expect(reported[0]).toMatchObject({ event: 'auth.login', status: 'fail', user: 'local-user', provider: 'default', error: { code: 'INVALID_CREDENTIALS' } });
	});

	it('default provider, wrong code with the right password: counted before it is answered; the one reaching the cap starts the lock', async () => {
		const code = await currentCode();
		for (let i = 0; i < MAX - 1; i++) await expect(login('local-user', 'default', local('right-password', wrongFor(code)))).rejects.toMatchObject({ code: 'INVALID_OTP' });
		expect(await attempts('local-user')).toBe(MAX - 1);
		await expect(login('local-user', 'default', local('right-password', wrongFor(code)))).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
		const checks = passwordChecks;
		// Locked: refused without a password check, right code or not.
		await expect(login('local-user', 'default', local('right-password', code))).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
		await expect(login('local-user', 'default', local('guess', code))).rejects.toMatchObject({ code: 'REQUESTS_EXCEEDED' });
		expect(passwordChecks).toBe(checks);
		expect(await steps('local-user')).toBe(0);
	});

	it('default provider, right code: claimed without a password check; the host\'s refusal gives the step back, its acceptance clears the count', async () => {
		const code = await currentCode();
		await expect(login('local-user', 'default', local('right-password', wrongFor(code)))).rejects.toMatchObject({ code: 'INVALID_OTP' });
		expect(await attempts('local-user')).toBe(1);
		const checks = passwordChecks;
		// A caller with the code but a wrong password: the host refuses the password, the step comes back.
		const stranger = local('guess', code);
		await expect(login('local-user', 'default', stranger)).resolves.toBe(stranger);
		expect(passwordChecks).toBe(checks);
		expect(await steps('local-user')).toBe(1);
		await outcome('local-user', 'default', stranger, 'fail', new InvalidCredentialsError());
		expect(await steps('local-user')).toBe(0);
		expect(await attempts('local-user')).toBe(1);
		// The owner: claimed, the host accepts (auth.jwt), the count is cleared; the step stays taken.
		const owner = local('right-password', code);
		await expect(login('local-user', 'default', owner)).resolves.toBe(owner);
		await jwt('local-user');
		await outcome('local-user', 'default', owner, 'success');
		expect(passwordChecks).toBe(checks);
		expect(await attempts('local-user')).toBe(0);
		expect(await steps('local-user')).toBe(1);
	});

	it('default provider, replay: a taken step is a wrong code (counted only with the right password)', async () => {
		const code = await currentCode();
		const first = local('right-password', code);
		await login('local-user', 'default', first);
		await jwt('local-user');
		await expect(login('local-user', 'default', local('guess', code))).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
		expect(await attempts('local-user')).toBe(0);
		await expect(login('local-user', 'default', local('right-password', code))).rejects.toMatchObject({ code: 'INVALID_OTP' });
		expect(await attempts('local-user')).toBe(1);
	});

	it('default provider: of concurrent logins with one right code, one is let through to the host', async () => {
		const code = await currentCode();
		const results = await Promise.allSettled(Array.from({ length: 6 }, () => login('local-user', 'default', local('right-password', code))));
		expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
		for (const r of results.filter((x) => x.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: expect.stringMatching(/^(INVALID_OTP|REQUESTS_EXCEEDED)$/) });
		expect(await steps('local-user')).toBe(1);
	});
});
