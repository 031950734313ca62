import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';

// The host limits registration per IP (RATE_LIMITER_REGISTRATION_*); our routes, and the host
// routes we serve, keep that limit — in the database, so every instance shares it.
describe.each(await availableDatabases())('registration rate limit on %s', (db) => {
	let host: TestHost;
	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: { IP_TRUST_PROXY: 'true', RATE_LIMITER_REGISTRATION_ENABLED: 'true', RATE_LIMITER_REGISTRATION_POINTS: '3', RATE_LIMITER_REGISTRATION_DURATION: '60', REGISTER_STALL_TIME: '0' },
		});
		await host.setSettings({ public_registration: true, public_registration_verify_email: true });
	});
	afterAll(async () => host?.stop());

	it('answers 429 past the limit for that IP, across our route, resend and the host route', async () => {
		const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
		const statuses: number[] = [];
		statuses.push((await host.api('POST', '/user-lifecycle/register', { email: 'r1@example.com', password: 'correct-horse' }, from('203.0.113.7'))).status);
		statuses.push((await host.api('POST', '/user-lifecycle/register/resend', { email: 'r1@example.com' }, from('203.0.113.7'))).status);
		statuses.push((await host.api('POST', '/users/register', { email: 'r2@example.com', password: 'correct-horse' }, from('203.0.113.7'))).status);
		const limited = await host.api('POST', '/user-lifecycle/register', { email: 'r3@example.com', password: 'correct-horse' }, from('203.0.113.7'));
		expect(statuses).toEqual([204, 204, 204]);
		expect(limited.status).toBe(429);
		expect(limited.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
		expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
		expect(await host.userByEmail('r3@example.com')).toBeUndefined();
		// another IP is not affected
		expect((await host.api('POST', '/user-lifecycle/register', { email: 'r4@example.com', password: 'correct-horse' }, from('198.51.100.4'))).status).toBe(204);
	});
});
