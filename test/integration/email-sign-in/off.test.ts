// Email sign-in is off unless USER_LIFECYCLE_EMAIL_SIGN_IN=true: a host without the setting
// answers both routes 404 ROUTE_NOT_FOUND (saying why), sends nothing and writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';

describe.each(await availableDatabases())('email sign-in, off by default, on %s', (db) => {
	let host: TestHost;

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('both routes answer 404 before reading anything; no mail, no request recorded', async () => {
		const email = 'off.signin@example.com';
		await host.createUser({ email, password: PASSWORD, status: 'active' });
		const answers = [
			await host.api('POST', '/user-lifecycle/email-sign-in/request', { email }),
			await host.api('POST', '/user-lifecycle/email-sign-in/request', { not: 'even valid' }),
			await host.api('POST', '/user-lifecycle/email-sign-in/verify', { token: 'x'.repeat(43) }),
			await host.api('POST', '/user-lifecycle/email-sign-in/verify', { email, code: '123456' }),
		];
		for (const res of answers) {
			expect(res.status, res.text).toBe(404);
			expect(res.body.errors[0].extensions.code).toBe('ROUTE_NOT_FOUND');
			expect(res.body.errors[0].message).toBe('Email sign-in is not enabled on this project');
		}
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(host.mailbox.to(email)).toHaveLength(0);
		expect(Number((await host.knex('user_lifecycle_email_sign_ins').count({ n: '*' }).first())!.n)).toBe(0);
	});
});
