// The timed login lock (issue 11): after USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS wrong passwords the
// right one is refused exactly like a wrong one (same status, same body, same stall) on every
// door, the status is never touched, the lock lifts itself, and lock and unlock are audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { codes, enableTfa } from '../two-factor/helpers.js';

const MAX = 3;
const LOCK_MS = 3000;
const STALL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(await availableDatabases())('the timed login lock on %s', (db) => {
	let host: TestHost;
	let role: string;
	const events = async (user: string, event: string) => host.knex('user_lifecycle_events').where({ user, event });
	const graphqlLogin = (email: string, password: string) =>
		host.api('POST', '/graphql/system', { query: 'mutation ($email: String!, $password: String!) { auth_login(email: $email, password: $password) { access_token } }', variables: { email, password } });

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: {
				PRESSURE_LIMITER_ENABLED: 'false',
				LOGIN_STALL_TIME: String(STALL_MS),
				USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: String(MAX),
				USER_LIFECYCLE_LOGIN_LOCK_DURATION: `${LOCK_MS}ms`,
			},
		});
		role = await host.createApiRole('Login lock users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it(`after ${MAX} wrong passwords the right one is refused like a wrong one, in every mode; the status stays active; the lock lifts itself; both audited`, async () => {
		const email = 'lock.rest@example.com';
		const { id } = await host.createApiUser(role, email);
		const wrong = [];
		for (let i = 0; i < MAX; i++) wrong.push(await host.login(email, `wrong-password-${i}`));
		for (const answer of wrong) {
			expect(answer.status).toBe(401);
			expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		}
		const refused = [
			await host.login(email, PASSWORD),
			await host.login(email, PASSWORD, { mode: 'cookie' }),
			await host.login(email, PASSWORD, { mode: 'session' }),
			await host.login(email, 'yet-another-wrong-password'),
		];
		for (const answer of refused) {
			expect(answer.status).toBe(401);
			expect(answer.text).toBe(wrong[0]!.text);
			expect(answer.headers.get('set-cookie')).toBeNull();
			expect(answer.ms).toBeGreaterThanOrEqual(STALL_MS - 20);
		}
		expect((await host.userByEmail(email)).status).toBe('active');
		const locked = await events(id, 'login-locked');
		expect(locked).toHaveLength(1);
		expect(locked[0]).toMatchObject({ actor: null, via: 'login', from: null, to: null });
		expect(await events(id, 'login-unlocked')).toHaveLength(0);

		await sleep(LOCK_MS + 300);
		const after = await host.login(email, PASSWORD);
		expect(after.status, after.text).toBe(200);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		// Recorded once, by this login or by the schedule if it got there first.
		expect((await events(id, 'login-unlocked'))[0]).toMatchObject({ actor: null, via: expect.stringMatching(/^(login|schedule)$/) });
		expect((await host.userByEmail(email)).status).toBe('active');
		// The count started afresh: as many wrong passwords as before are needed again.
		for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('a successful login resets the count; other users are not affected', async () => {
		const email = 'lock.reset@example.com';
		const other = 'lock.bystander@example.com';
		await host.createApiUser(role, email);
		await host.createApiUser(role, other);
		for (let round = 0; round < 3; round++) {
			for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
			expect((await host.login(email, PASSWORD)).status).toBe(200);
		}
		for (let i = 0; i < MAX; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect((await host.login(other, PASSWORD)).status).toBe(200);
	});

	it('GraphQL auth_login counts and is refused alike; the REST door shares the lock', async () => {
		const email = 'lock.graphql@example.com';
		const { id } = await host.createApiUser(role, email);
		const wrong = [];
		for (let i = 0; i < MAX; i++) wrong.push(await graphqlLogin(email, `wrong-password-${i}`));
		for (const answer of wrong) expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		const right = await graphqlLogin(email, PASSWORD);
		expect(right.status).toBe(wrong[0]!.status);
		expect(right.text).toBe(wrong[0]!.text);
		expect(right.body.data?.auth_login ?? null).toBeNull();
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
	});

	it('a locked two-factor user: the right password and a right code meet the wrong password\'s answer, and the code is not spent', async () => {
		const email = 'lock.tfa@example.com';
		const { id, token } = await host.createApiUser(role, email);
		const { secret } = await enableTfa(host, token);
		const { current } = await codes(secret);
		const stepsBefore = (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length;
		const wrong = [];
		// Wrong passwords with a code count too (the two-factor guard answers them in the host's place).
		for (let i = 0; i < MAX; i++) wrong.push(await host.login(email, `wrong-password-${i}`, { otp: current }));
		for (const answer of wrong) expect(answer.body.errors[0].extensions.code).toBe('INVALID_CREDENTIALS');
		const refused = await host.login(email, PASSWORD, { otp: current });
		expect(refused.status).toBe(401);
		expect(refused.text).toBe(wrong[0]!.text);
		// (A right code with a wrong password is given back once the host refused the password.)
		await expect.poll(async () => (await host.knex('user_lifecycle_otp_steps').where({ user_id: id })).length).toBe(stepsBefore);
		expect(await host.knex('user_lifecycle_otp_attempts').where({ user_id: id })).toHaveLength(0);
		expect(await events(id, 'login-locked')).toHaveLength(1);
	});

	it.runIf(db === 'postgres')('two instances on one database share the count and the lock', async () => {
		const email = 'lock.cluster@example.com';
		const { id } = await host.createApiUser(role, email);
		const sibling = await host.startSibling({ PRESSURE_LIMITER_ENABLED: 'false' });
		const siblingLogin = async (password: string) => {
			const res = await fetch(`${sibling.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
			return { status: res.status, text: await res.text() };
		};
		const wrong = [await host.login(email, 'wrong-1'), await siblingLogin('wrong-2'), await host.login(email, 'wrong-3')];
		expect(wrong.map((a) => a.status)).toEqual([401, 401, 401]);
		const onSibling = await siblingLogin(PASSWORD);
		expect(onSibling.status).toBe(401);
		expect(onSibling.text).toBe(wrong[0]!.text);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-locked')).toHaveLength(1);
		await sleep(LOCK_MS + 300);
		const [a, b] = await Promise.all([host.login(email, PASSWORD), siblingLogin(PASSWORD)]);
		expect([a.status, b.status]).toEqual([200, 200]);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		await sibling.stop();
	}, 300_000); // a second process starting on a busy machine
});
