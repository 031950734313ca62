// Lifting a login lock before its end: `GET|DELETE /user-lifecycle/users/:id/login-lock`, for
// callers the host lets update that user. The lock ends at once (the right password logs in),
// the count starts afresh, the unlock is audited with who did it and emitted once after the
// commit; nobody else (a reader, the locked user themselves with a token of theirs) lifts it,
// and bad input changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { LOCKED_FOR_AN_HOUR, recordedEvents } from '../../harness/profiles.js';

const MAX = LOCKED_FOR_AN_HOUR.maxAttempts;
const MADE_UP = '00000000-0000-4000-8000-000000000000';

describe.each(await availableDatabases())('lifting a login lock on %s', (db) => {
	let host: TestHost;
	let role: string;
	let adminId: string;
	let seq = 0;
	const newEmail = () => `unlock.${++seq}@example.com`;
	const events = async (user: string, event: string) => host.knex('user_lifecycle_events').where({ user, event }).orderBy('at');
	const lockPath = (id: string) => `/user-lifecycle/users/${id}/login-lock`;
	const heard = (step: string, user: string) => recordedEvents().filter((r) => r.event === `user-lifecycle.${step}` && r.payload['user'] === user);

	/** A user locked out by MAX wrong passwords, with an access token from before the lock. */
	const lockedUser = async () => {
		const email = newEmail();
		const { id, token } = await host.createApiUser(role, email);
		for (let i = 0; i < MAX; i++) expect((await host.login(email, `wrong-password-${i}`)).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		await expect.poll(async () => (await events(id, 'login-locked')).length).toBe(1);
		return { id, email, token };
	};

	beforeAll(async () => {
		host = await startTestHost({ db, ...LOCKED_FOR_AN_HOUR });
		role = await host.createApiRole('Unlock users');
		adminId = (await host.admin('GET', '/users/me')).body.data.id;
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('an admin sees the lock, lifts it, and the right password logs in at once; audited and emitted once; a second call finds nothing', async () => {
		const { id, email } = await lockedUser();
		const before = Date.now();
		const seen = await host.admin('GET', lockPath(id));
		expect(seen.status, seen.text).toBe(200);
		expect(seen.body.data).toMatchObject({ locked: true, failures: MAX });
		const until = Date.parse(seen.body.data.locked_until);
		expect(until).toBeGreaterThan(before + 50 * 60_000);

		const lifted = await host.admin('DELETE', lockPath(id));
		expect(lifted.status, lifted.text).toBe(200);
		expect(lifted.body).toEqual({ data: { unlocked: true } });
		expect((await host.admin('GET', lockPath(id))).body.data).toEqual({ locked: false, locked_until: null, failures: 0 });
		expect((await host.login(email, PASSWORD)).status).toBe(200);

		const unlocked = await events(id, 'login-unlocked');
		expect(unlocked).toHaveLength(1);
		expect(unlocked[0]).toMatchObject({ actor: adminId, via: 'api', from: null, to: null });
		// Words, no raw instant: the event's `at` carries the time with its zone.
		expect(unlocked[0].reason).toBe("lifted before the timed lock's end");
		await expect.poll(() => heard('login-unlocked', id).length).toBe(1);
		expect(heard('login-unlocked', id)[0]!.payload).toMatchObject({ user: id, actor: adminId, via: 'api', locked_until: new Date(until).toISOString() });
		expect((await host.userByEmail(email)).status).toBe('active');

		expect((await host.admin('DELETE', lockPath(id))).body).toEqual({ data: { unlocked: false } });
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		expect(heard('login-unlocked', id)).toHaveLength(1);
	});

	it('the count starts afresh: after a lift, as many wrong passwords as before are needed again; a count without a lock is cleared too', async () => {
		const { id, email } = await lockedUser();
		expect((await host.admin('DELETE', lockPath(id))).body.data.unlocked).toBe(true);
		for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.admin('GET', lockPath(id))).body.data).toEqual({ locked: false, locked_until: null, failures: MAX - 1 });
		// No lock yet: nothing to record, but the count goes.
		expect((await host.admin('DELETE', lockPath(id))).body).toEqual({ data: { unlocked: false } });
		expect((await host.admin('GET', lockPath(id))).body.data.failures).toBe(0);
		for (let i = 0; i < MAX - 1; i++) expect((await host.login(email, 'wrong-password')).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
	});

	it('whoever may update users lifts it; a reader, another user and the locked user themselves may not, and the lock stays', async () => {
		const { id, email, token } = await lockedUser();
		const reader = await host.createApiUser(await host.createApiRole('Lock readers', [{ collection: 'directus_users', action: 'read' }]), newEmail());
		const stranger = await host.createApiUser(role, newEmail());
		for (const caller of [reader.token, stranger.token]) {
			for (const target of [id, MADE_UP]) {
				for (const method of ['GET', 'DELETE']) {
					const res = await host.api(method, lockPath(target), undefined, { token: caller });
					expect(res.status, `${method} ${target}: ${res.text}`).toBe(403);
					expect(res.body.errors[0].extensions.code).toBe('FORBIDDEN');
				}
			}
		}
		// The locked user's own token (from before the lock) reads the lock but does not lift it.
		const own = await host.api('GET', lockPath(id), undefined, { token });
		expect(own.status, own.text).toBe(200);
		expect(own.body.data.locked).toBe(true);
		const selfLift = await host.api('DELETE', lockPath(id), undefined, { token });
		expect(selfLift.status, selfLift.text).toBe(403);
		expect(selfLift.body.errors[0].extensions.code).toBe('FORBIDDEN');
		expect((await host.api('DELETE', lockPath(id), undefined, { token: null })).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect(await events(id, 'login-unlocked')).toHaveLength(0);

		const manager = await host.createApiUser(await host.createApiRole('Lock managers', [{ collection: 'directus_users', action: 'update' }]), newEmail());
		const lifted = await host.api('DELETE', lockPath(id), undefined, { token: manager.token });
		expect(lifted.body).toEqual({ data: { unlocked: true } });
		expect((await events(id, 'login-unlocked'))[0]).toMatchObject({ actor: manager.id, via: 'api' });
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('bad input: a 4xx in the host\'s format, and the lock stays', async () => {
		const { id, email } = await lockedUser();
		for (const [method, path, body] of [
			['DELETE', '/user-lifecycle/users/not-a-uuid/login-lock', undefined],
			['GET', '/user-lifecycle/users/not-a-uuid/login-lock', undefined],
			['DELETE', lockPath(id), { force: true }],
			['DELETE', `${lockPath(id)}?scope=all`, undefined],
			['GET', `${lockPath(id)}?x=1`, undefined],
		] as const) {
			const res = await host.admin(method, path, body);
			expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
			expect(res.body.errors[0].extensions.code).toBe('INVALID_PAYLOAD');
		}
		expect((await host.admin('DELETE', lockPath(MADE_UP))).status).toBe(403);
		expect((await host.login(email, PASSWORD)).status).toBe(401);
		expect((await host.admin('GET', lockPath(id))).body.data.locked).toBe(true);
		expect(await events(id, 'login-unlocked')).toHaveLength(0);
	});

	it('two lifts at once: one ends the lock and records it', async () => {
		const { id } = await lockedUser();
		const answers = await Promise.all([host.admin('DELETE', lockPath(id)), host.admin('DELETE', lockPath(id)), host.admin('DELETE', lockPath(id))]);
		expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
		expect(answers.filter((a) => a.body.data.unlocked === true)).toHaveLength(1);
		expect(await events(id, 'login-unlocked')).toHaveLength(1);
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(heard('login-unlocked', id)).toHaveLength(1);
	});
});
