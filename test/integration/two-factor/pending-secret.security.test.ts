// Review item (issue 10): with only a stolen access token, `enable` took any secret, so an attacker
// could switch on their own second factor and lock the owner out. Now enable takes only the
// secret `generate` handed to that user, while it lives (10 minutes), on our route and the host's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';
import { generateTotpSecret } from '../../../src/two-factor/totp.js';
import { codes } from './helpers.js';

const OURS = '/user-lifecycle/tfa/enable';
const NATIVE = '/users/me/tfa/enable';

describe.each(await availableDatabases())('two-factor enable takes only the generated secret on %s', (db) => {
	let host: TestHost;
	let role: string;

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
		role = await host.createApiRole('Pending secret users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	const tfaSecret = async (id: string) => (await host.knex('directus_users').where({ id }).first()).tfa_secret;
	const generate = async (token: string, path = '/user-lifecycle/tfa/generate') => {
		const res = await host.api('POST', path, { password: PASSWORD }, { token });
		expect(res.status).toBe(200);
		return res.body.data.secret as string;
	};
	const expectInvalidSecret = (res: { status: number; body: any }) => {
		expect(res.status).toBe(400);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		expect(res.body.errors[0].message).toContain('"secret" is invalid');
	};

	it("an attacker's own secret with a valid code is refused on our route and the host's; TFA stays off, nothing is counted", async () => {
		const { id, token } = await host.createApiUser(role, 'pending.attacked@example.com'); // `token` is the stolen one
		const attackers = generateTotpSecret();
		const { previous, current, next } = await codes(attackers);

		// The owner never generated a secret.
		expectInvalidSecret(await host.api('POST', OURS, { secret: attackers, otp: previous }, { token }));
		expectInvalidSecret(await host.api('POST', NATIVE, { secret: attackers, otp: current }, { token }));
		// The owner has a pending secret of their own: still no.
		const owners = await generate(token);
		expectInvalidSecret(await host.api('POST', OURS, { secret: attackers, otp: current }, { token }));
		expectInvalidSecret(await host.api('POST', NATIVE, { secret: attackers, otp: next }, { token }));
		// Refused before a code is checked or counted: more tries than the cap never meet the lock.
		for (let i = 0; i < 6; i++) expectInvalidSecret(await host.api('POST', OURS, { secret: attackers, otp: '000000' }, { token }));
		expect(await host.knex('user_lifecycle_otp_attempts').where({ user_id: id })).toHaveLength(0);
		expect(await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).toHaveLength(0);
		expect(await tfaSecret(id)).toBeNull();
		expect((await host.login('pending.attacked@example.com', PASSWORD)).status).toBe(200); // no code asked

		// The owner's own secret still goes through.
		const mine = await codes(owners);
		const enabled = await host.api('POST', OURS, { secret: owners, otp: mine.previous }, { token });
		expect(enabled.status).toBe(200);
		expect(enabled.body.data.recovery_codes).toHaveLength(10);
		expect(await tfaSecret(id)).toBe(owners);
		expect(await host.knex('user_lifecycle_tfa_pending_secrets').where({ user_id: id })).toHaveLength(0); // consumed
	});

	it('a secret generated for user A cannot be enabled by user B', async () => {
		const a = await host.createApiUser(role, 'pending.a@example.com');
		const b = await host.createApiUser(role, 'pending.b@example.com');
		const secretA = await generate(a.token, '/users/me/tfa/generate');
		await generate(b.token); // B has a pending secret of its own
		const { previous, current } = await codes(secretA);
		expectInvalidSecret(await host.api('POST', OURS, { secret: secretA, otp: previous }, { token: b.token }));
		expectInvalidSecret(await host.api('POST', NATIVE, { secret: secretA, otp: current }, { token: b.token }));
		expect(await tfaSecret(b.id)).toBeNull();
		// A's pending secret is untouched by B's tries.
		expect((await host.api('POST', NATIVE, { secret: secretA, otp: current }, { token: a.token })).status).toBe(204);
		expect(await tfaSecret(a.id)).toBe(secretA);
	});

	it('an expired pending secret is refused; a new generate replaces the earlier one; sealed at rest', async () => {
		const { id, token } = await host.createApiUser(role, 'pending.expired@example.com');
		const first = await generate(token);
		const row = await host.knex('user_lifecycle_tfa_pending_secrets').where({ user_id: id }).first();
		expect(row.secret).not.toContain(first);
		const ttl = Number(row.expires) - Number(row.created_at);
		expect(ttl).toBe(10 * 60_000);
		await host.knex('user_lifecycle_tfa_pending_secrets').where({ user_id: id }).update({ expires: Date.now() - 1000 });
		const { previous, current } = await codes(first);
		expectInvalidSecret(await host.api('POST', OURS, { secret: first, otp: previous }, { token }));
		expectInvalidSecret(await host.api('POST', NATIVE, { secret: first, otp: current }, { token }));
		expect(await tfaSecret(id)).toBeNull();

		const second = await generate(token);
		const third = await generate(token, '/users/me/tfa/generate');
		expect(await host.knex('user_lifecycle_tfa_pending_secrets').where({ user_id: id })).toHaveLength(1);
		const codes2 = await codes(second);
		expectInvalidSecret(await host.api('POST', OURS, { secret: second, otp: codes2.previous }, { token }));
		const codes3 = await codes(third);
		expect((await host.api('POST', NATIVE, { secret: third, otp: codes3.previous }, { token })).status).toBe(204);
		expect(await tfaSecret(id)).toBe(third);
		expect(host.logs()).not.toContain(third);
	});

	it('two concurrent enables of one pending secret: exactly one wins', async () => {
		const { id, token } = await host.createApiUser(role, 'pending.race@example.com');
		const secret = await generate(token);
		const { previous, current } = await codes(secret);
		const [ours, native] = await Promise.all([
			host.api('POST', OURS, { secret, otp: previous }, { token }),
			host.api('POST', NATIVE, { secret, otp: current }, { token }),
		]);
		expect([ours.status, native.status].filter((s) => s === 200 || s === 204)).toHaveLength(1);
		expect([ours.status, native.status].filter((s) => s === 400)).toHaveLength(1);
		expect(await tfaSecret(id)).toBe(secret);
		// Recovery codes exist only if our route won.
		expect(await host.knex('user_lifecycle_recovery_codes').where({ user_id: id })).toHaveLength(ours.status === 200 ? 10 : 0);
	});
});
