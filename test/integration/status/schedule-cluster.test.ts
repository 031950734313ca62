// Two Directus processes on one database, both running the schedule every second: each period's
// work happens once (a lease row claimed atomically), so each change is audited once, not twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';

const shared = (await availableDatabases()).filter((db) => db !== 'sqlite');

// SQLite is one file for one writer: the cluster case needs PostgreSQL or MariaDB.
if (shared.length === 0) it.skip('the schedule across two instances (needs PostgreSQL or MariaDB)', () => {});

describe.runIf(shared.length > 0).each(shared)('the schedule across two instances on %s', (db) => {
	let host: TestHost;
	let role: string;

	beforeAll(async () => {
		const env = { USER_LIFECYCLE_SCHEDULE: '*/1 * * * * *', PRESSURE_LIMITER_ENABLED: 'false' };
		host = await startTestHost({ db, env, exclusive: true });
		await host.startSibling(env);
		role = await host.createApiRole('Cluster members');
	});
	afterAll(async () => {
		await host?.stop();
	});

	it('lifts each timed suspension once: one audit record per change', async () => {
		const ids: string[] = [];
		for (let i = 0; i < 20; i++) ids.push(await host.createUser({ email: `cluster.${db}.${i}@example.com`, role, status: 'active' }));
		const until = new Date(Date.now() + 3_600_000).toISOString();
		for (const id of ids) {
			const res = await host.api('POST', `/user-lifecycle/users/${id}/status`, { status: 'suspended', reason: 'cluster test', until }, { token: host.adminToken });
			expect(res.status, res.text).toBe(200);
		}
		// Every suspension ends in one second, all at once, whatever the time the requests took.
		await host.knex('user_lifecycle_suspensions').whereIn('user_id', ids).update({ until: Date.now() + 1000 });
		await expect
			.poll(async () => (await host.knex('directus_users').whereIn('id', ids).where({ status: 'active' })).length, { timeout: 15_000, interval: 250 })
			.toBe(ids.length);
		// Let both instances tick a few more times: nothing more may be recorded.
		await new Promise((r) => setTimeout(r, 2500));
		const lifts = await host.knex('user_lifecycle_events').whereIn('user', ids).where({ from: 'suspended', to: 'active' });
		expect(lifts).toHaveLength(ids.length);
		expect(new Set(lifts.map((e) => e.user)).size).toBe(ids.length);
		for (const e of lifts) expect(e).toMatchObject({ actor: null, via: 'schedule', reason: 'suspension ended' });
		const lease = await host.knex('user_lifecycle_leases').where({ job: 'lifecycle-schedule' });
		expect(lease).toHaveLength(1);
	});
});
