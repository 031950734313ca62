// The guard on the host's login for providers other than `default` (issue 10, item 4), against a
// real SQLite file. The filter runs before the host checks an LDAP password, so it must neither
// count nor record a code there; the `auth.login` action, emitted after the provider accepted the
// password, books the outcome. (No LDAP server in the test rig: the hook is driven directly.)
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
	let filter: Filter;
	let action: Action;
	let passwordChecks: number;

	beforeEach(async () => {
		const { knex } = store;
		for (const table of ['directus_users', OTP_ATTEMPTS_TABLE, OTP_STEPS_TABLE]) await knex(table).delete();
		await knex('directus_users').insert([
			{ id: 'ldap-user', email: null, status: 'active', provider: 'ldap', external_identifier: 'uid=someone', tfa_secret: secret },
			{ id: 'sso-user', email: 'sso@example.com', status: 'active', provider: 'openid', external_identifier: 'sub-1', tfa_secret: secret },
			{ id: 'local-user', email: 'local@example.com', status: 'active', provider: 'default', external_identifier: null, tfa_secret: secret },
		]);
		passwordChecks = 0;
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
		} as unknown as Runtime;
		const register = {
			filter: (_event: string, handler: Filter) => void (filter = handler),
			action: (_event: string, handler: Action) => void (action = handler),
		} as unknown as RegisterFunctions;
		registerHostLoginGuard(register, rt);
	});

	const attempts = async (user: string) => (await store.knex(OTP_ATTEMPTS_TABLE).where({ user_id: user }).first())?.failures ?? 0;
	const login = (user: string, provider: string, payload: Record<string, unknown>) => filter(payload, { user, provider, status: 'pending' }, { schema: {} });
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

	it('default provider unchanged: the password first, then the code through the gate; its action books nothing more', async () => {
		const code = await currentCode();
		for (let i = 0; i < MAX + 2; i++) await expect(login('local-user', 'default', { email: 'local@example.com', password: 'guess', otp: wrongFor(code) })).resolves.toBeDefined();
		expect(await attempts('local-user')).toBe(0);
		await expect(login('local-user', 'default', { email: 'local@example.com', password: 'right-password', otp: wrongFor(code) })).rejects.toMatchObject({ code: 'INVALID_OTP' });
		expect(await attempts('local-user')).toBe(1);
		await outcome('local-user', 'default', { email: 'local@example.com', password: 'right-password', otp: wrongFor(code) }, 'fail', new InvalidOtpError());
		expect(await attempts('local-user')).toBe(1);
		await expect(login('local-user', 'default', { email: 'local@example.com', password: 'right-password', otp: code })).resolves.toBeDefined();
		expect(await store.knex(OTP_STEPS_TABLE).where({ user_id: 'local-user' })).toHaveLength(1);
	});
});
