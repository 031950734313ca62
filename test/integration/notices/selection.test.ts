// USER_LIFECYCLE_NOTICES picks the kinds that are mailed: with only `password-changed` listed, a
// new device and recovery codes go unmentioned (the sign-in is still listed), a password change
// is told.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { enableTfa } from '../two-factor/helpers.js';
import { NOTICES_ENV } from './profile.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe.each(await availableDatabases())('USER_LIFECYCLE_NOTICES on %s', (db) => {
	let host: TestHost;

	beforeAll(async () => {
		host = await startTestHost({ db, env: { ...NOTICES_ENV, USER_LIFECYCLE_NOTICES: 'password-changed' } });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('only the kinds listed are mailed', async () => {
		const role = await host.createApiRole('Selected notices', [
			{ collection: 'directus_users', action: 'read' },
			{ collection: 'directus_users', action: 'update' },
		]);
		const email = `selected.${randomUUID().slice(0, 8)}@example.com`;
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const signIn = async (userAgent: string) => {
			const res = await host.api('POST', '/auth/login', { email, password: PASSWORD }, { headers: { 'user-agent': userAgent } });
			expect(res.status).toBe(200);
			return res.body.data.access_token as string;
		};
		await signIn(FIREFOX);
		const token = await signIn(CHROME);
		await enableTfa(host, token);
		expect((await host.api('PATCH', '/users/me', { password: 'another-fine-password' }, { token })).status).toBe(200);
		const told = await host.mailbox.waitFor(email);
		await new Promise((resolve) => setTimeout(resolve, 2000));
		expect(host.mailbox.to(email).map((mail) => mail.subject)).toEqual(['Your password was changed']);
		expect(told[0]!.subject).toBe('Your password was changed');
		const listed = await host.api('GET', '/user-lifecycle/sign-ins', undefined, { token });
		expect(listed.body.data.filter((entry: { new_device: boolean }) => entry.new_device)).toHaveLength(1);
	});
});
