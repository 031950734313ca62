// The login lock's row against a real SQLite file: the count per window, one winner to start a
// lock and one to end it, a success clearing the count but never a lock; and the in-process
// ordering helpers the guards use.
import { describe, expect, it } from 'vitest';
import { useSqliteStore } from '../harness/sqlite-store.js';
import { admitCheck, clearFailures, endedLocks, endLock, endLockNow, ensureLoginAttemptsTable, LOGIN_ATTEMPTS_TABLE, pruneStaleCounts, readAttempts, settleCheck, startLock } from '../../src/login-lock/store.js';
import { isPasswordLogin } from '../../src/login-lock/password-gate.js';
import { isHostCounterRead } from '../../src/login-lock/host-counter.js';
import { KeyedTurns, PendingWork } from '../../src/shared/util/per-key.js';

describe('the login lock store (SQLite)', () => {
	const store = useSqliteStore(ensureLoginAttemptsTable);
	/** A checked wrong password: a place taken, then settled as wrong; the count after it. */
	const countFailure = async (knex: typeof store.knex, userId: string, windowMs: number, now = Date.now()) => {
		expect(await admitCheck(knex, userId, 1000, windowMs, now)).toBe(true);
		return settleCheck(knex, userId, 'wrong');
	};

	it('rowSeen skips the insert, and still admits when the row went after it was read; the limit holds alike', async () => {
		const { knex } = store;
		expect(await admitCheck(knex, 'seen', 2, 60_000)).toBe(true);
		expect(await admitCheck(knex, 'seen', 2, 60_000, Date.now(), { rowSeen: true })).toBe(true);
		expect(await admitCheck(knex, 'seen', 2, 60_000, Date.now(), { rowSeen: true })).toBe(false);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'seen' }).first()).toMatchObject({ pending: 2 });
		// Deleted meanwhile (an unlock, the schedule's pruning): the row is made again and the place taken.
		await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'seen' }).delete();
		expect(await admitCheck(knex, 'seen', 2, 60_000, Date.now(), { rowSeen: true })).toBe(true);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'seen' }).first()).toMatchObject({ pending: 1, failures: 0 });
	});

	it('admits at most the limit of checks at once, counting the wrong passwords already in; a refused check starts nothing', async () => {
		const { knex } = store;
		// Concurrent: exactly the limit, one after the other on the row.
		const admitted = (await Promise.all(Array.from({ length: 20 }, () => admitCheck(knex, 'burst', 3, 60_000)))).filter(Boolean).length;
		expect(admitted).toBe(3);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'burst' }).first()).toMatchObject({ failures: 0, pending: admitted, locked_until: null });
		for (let i = 0; i < admitted; i++) await settleCheck(knex, 'burst', 'other');
		// One after the other: exactly the limit.
		const sequential = [];
		for (let i = 0; i < 5; i++) sequential.push(await admitCheck(knex, 'burst', 3, 60_000));
		expect(sequential).toEqual([true, true, true, false, false]);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'burst' }).first()).toMatchObject({ failures: 0, pending: 3, locked_until: null });
		// Two turn out wrong: their places become failures, which leave one place.
		expect(await settleCheck(knex, 'burst', 'wrong')).toBe(1);
		expect(await settleCheck(knex, 'burst', 'wrong')).toBe(2);
		expect(await settleCheck(knex, 'burst', 'other')).toBe(2);
		expect(await admitCheck(knex, 'burst', 3, 60_000)).toBe(true);
		expect(await admitCheck(knex, 'burst', 3, 60_000)).toBe(false);
		// A right password clears the count (and gives its place back).
		expect(await settleCheck(knex, 'burst', 'right')).toBe(0);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'burst' }).first()).toMatchObject({ failures: 0, pending: 0 });
	});

	it('a window past its age starts afresh, places a crashed process never gave back included', async () => {
		const { knex } = store;
		const t0 = 2_000_000;
		for (let i = 0; i < 3; i++) expect(await admitCheck(knex, 'leak', 3, 10_000, t0)).toBe(true);
		expect(await admitCheck(knex, 'leak', 3, 10_000, t0 + 1)).toBe(false);
		expect(await admitCheck(knex, 'leak', 3, 10_000, t0 + 10_001)).toBe(true);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).where({ user_id: 'leak' }).first()).toMatchObject({ failures: 0, pending: 1 });
	});

	it('counts wrong passwords per window; a new window starts afresh', async () => {
		const { knex } = store;
		const t0 = 1_000_000;
		for (let i = 1; i <= 3; i++) expect(await countFailure(knex, 'a', 10_000, t0 + i)).toBe(i);
		expect(await countFailure(knex, 'a', 10_000, t0 + 10_001)).toBe(1);
		const burst = await Promise.all(Array.from({ length: 8 }, () => countFailure(knex, 'b', 60_000)));
		expect(Math.max(...burst)).toBe(8);
		expect((await readAttempts(knex, 'b'))?.failures).toBe(8);
	});

	it('a lock starts once and ends once (one winner each); a success never clears a lock', async () => {
		const { knex } = store;
		await countFailure(knex, 'c', 60_000);
		const starts = await Promise.all([startLock(knex, 'c', 5000), startLock(knex, 'c', 6000), startLock(knex, 'c', 7000)]);
		expect(starts.filter(Boolean)).toHaveLength(1);
		const until = (await readAttempts(knex, 'c'))!.lockedUntil!;
		await clearFailures(knex, 'c');
		expect((await readAttempts(knex, 'c'))?.lockedUntil).toBe(until);
		expect(await endLock(knex, 'c', until, until - 1)).toBe(false); // still running
		expect(await endedLocks(knex, until, 10)).toEqual([{ userId: 'c', until }]);
		const ends = await Promise.all([endLock(knex, 'c', until, until), endLock(knex, 'c', until, until)]);
		expect(ends.filter(Boolean)).toHaveLength(1);
		expect(await readAttempts(knex, 'c')).toBeNull();
	});

	it('a lock is lifted before its end once (one winner); a lock started anew is not the one lifted', async () => {
		const { knex } = store;
		await countFailure(knex, 'e', 60_000);
		const until = Date.now() + 60_000;
		await startLock(knex, 'e', until);
		expect(await endLockNow(knex, 'e', until + 1)).toBe(false); // not this lock
		const lifts = await Promise.all([endLockNow(knex, 'e', until), endLockNow(knex, 'e', until), endLock(knex, 'e', until, until)]);
		expect(lifts.filter(Boolean)).toHaveLength(1);
		expect(await readAttempts(knex, 'e')).toBeNull();
	});

	it('a success clears the count; idle counts are pruned, locks are not', async () => {
		const { knex } = store;
		await countFailure(knex, 'd', 60_000, 100);
		await clearFailures(knex, 'd');
		expect(await readAttempts(knex, 'd')).toBeNull();
		await countFailure(knex, 'idle', 60_000, 100);
		await countFailure(knex, 'locked', 60_000, 100);
		await startLock(knex, 'locked', Date.now() + 60_000);
		expect(await pruneStaleCounts(knex, 1000, 100)).toBe(1);
		expect(await knex(LOGIN_ATTEMPTS_TABLE).whereIn('user_id', ['idle', 'locked']).pluck('user_id')).toEqual(['locked']);
	});
});

describe('password logins and in-process ordering', () => {
	it('only logins that carry a password are concerned', () => {
		expect(isPasswordLogin({ email: 'a@example.com', password: 'x' })).toBe(true);
		expect(isPasswordLogin({ identifier: 'uid', password: '' })).toBe(true);
		expect(isPasswordLogin({ code: 'c', state: 's' })).toBe(false);
		expect(isPasswordLogin(null)).toBe(false);
		expect(isPasswordLogin('password')).toBe(false);
	});

	it('KeyedTurns runs one task per key at a time, in arrival order; other keys run alongside', async () => {
		const turns = new KeyedTurns();
		const log: string[] = [];
		const task = (name: string, ms: number) => async () => {
			log.push(`${name}+`);
			await new Promise((resolve) => setTimeout(resolve, ms));
			log.push(`${name}-`);
		};
		await Promise.all([turns.run('u', task('a', 30)), turns.run('u', task('b', 5)), turns.run('v', task('x', 10)), turns.run('u', async () => { throw new Error('boom'); }).catch(() => log.push('c!')), turns.run('u', task('d', 1))]);
		const u = log.filter((entry) => !entry.startsWith('x'));
		expect(u).toEqual(['a+', 'a-', 'b+', 'b-', 'c!', 'd+', 'd-']);
		expect(log.indexOf('x+')).toBeLessThan(log.indexOf('a-'));
	});

	it('PendingWork waits for what was tracked under a key, or under any key', async () => {
		const pending = new PendingWork();
		let done = 0;
		const work = (ms: number) => new Promise<void>((resolve) => setTimeout(() => (done++, resolve()), ms));
		pending.track('u', work(20));
		pending.track('v', work(40));
		pending.track('v', Promise.reject(new Error('ignored')));
		await pending.settled('u');
		expect(done).toBe(1);
		await pending.settled();
		expect(done).toBe(2);
		await pending.settled('nobody');
	});

	it("isHostCounterRead: only the host login's own read (no accountability, that one field) is left aside", () => {
		expect(isHostCounterRead({ fields: ['auth_login_attempts'], limit: 1 }, null)).toBe(true);
		expect(isHostCounterRead({ fields: ['auth_login_attempts'] }, undefined)).toBe(true);
		// An admin (or any user) reading the setting, the Data Studio's settings page, other internal reads.
		expect(isHostCounterRead({ fields: ['auth_login_attempts'] }, { user: 'admin', admin: true })).toBe(false);
		expect(isHostCounterRead({ fields: ['*'] }, null)).toBe(false);
		expect(isHostCounterRead({ fields: ['auth_login_attempts', 'project_name'] }, null)).toBe(false);
		expect(isHostCounterRead({}, null)).toBe(false);
		expect(isHostCounterRead(null, null)).toBe(false);
	});
});
