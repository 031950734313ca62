// Every mail to an address is throttled: verification mails (registration, re-registration,
// resend) and reset mails share one budget per address, USER_LIFECYCLE_RESET_MAX_PER_HOUR in any
// hour. Past it every request still answers 204 after the same stall, and nothing changes: no
// token, no earlier link revoked, no name written (a registration again still drops the pending
// password: contested.security.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';

const MAX_PER_HOUR = 3;
const STALL = 300;
const PASSWORD = 'correct-horse';

describe.each(await availableDatabases())('the per-address mail throttle on %s', (db) => {
	let host: TestHost;

	const register = (email: string, fields: Record<string, unknown> = {}) => host.api('POST', '/user-lifecycle/register', { email, password: PASSWORD, ...fields });
	const resend = (email: string) => host.api('POST', '/user-lifecycle/register/resend', { email });
	const verify = (token: string) => host.api('POST', '/user-lifecycle/register/verify-email', { token });
	const requestReset = (email: string) => host.api('POST', '/user-lifecycle/password/request', { email });
	/** Long enough for a mail the outbox had queued to arrive. */
	const settle = () => new Promise((resolve) => setTimeout(resolve, 1200));
	/** Every answer alike: 204, no body, after the stall. */
	const expectAlike = (answers: ApiResponse[]) => {
		for (const res of answers) {
			expect(res.status, res.text).toBe(204);
			expect(res.text).toBe('');
			expect(res.ms).toBeGreaterThanOrEqual(STALL - 5);
		}
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: {
				USER_LIFECYCLE_RESET_MAX_PER_HOUR: String(MAX_PER_HOUR),
				REGISTER_STALL_TIME: String(STALL),
				USER_LIFECYCLE_RESET_STALL_TIME: String(STALL),
				USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
				RATE_LIMITER_REGISTRATION_ENABLED: 'false',
			},
		});
		const role = await host.createApiRole('Throttled registrants');
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: role });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a registration and 7 resends of one pending address: at most USER_LIFECYCLE_RESET_MAX_PER_HOUR mails, every answer alike; the last mailed link still verifies', async () => {
		const email = 'throttle.resend@example.com';
		const answers = [await register(email)];
		for (let i = 0; i < 7; i++) answers.push(await resend(email));
		expectAlike(answers);
		await host.mailbox.waitFor(email, MAX_PER_HOUR);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(MAX_PER_HOUR);
		// the throttled resends revoked nothing: the last link mailed is the live one
		const last = await host.mailbox.tokenFor(email, MAX_PER_HOUR);
		expect((await verify(last)).status).toBe(204);
		expect((await host.userByEmail(email)).status).toBe('active');
	});

	it('re-registrations of a pending address count toward the same limit, and a throttled one writes no name', async () => {
		const email = 'throttle.again@example.com';
		const answers = [await register(email, { first_name: 'First' })];
		answers.push(await resend(email));
		// the third mail: this registrant's values are the pending registration's
		answers.push(await register(email, { first_name: 'Third' }));
		for (const name of ['Fourth', 'Fifth', 'Sixth']) answers.push(await register(email, { first_name: name }));
		expectAlike(answers);
		await host.mailbox.waitFor(email, MAX_PER_HOUR);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(MAX_PER_HOUR);
		expect((await host.userByEmail(email)).first_name).toBe('Third');
		const last = await host.mailbox.tokenFor(email, MAX_PER_HOUR);
		// Registered again: the link verifies with a password chosen then.
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token: last, password: 'chosen-at-verification' })).status).toBe(204);
		expect((await host.userByEmail(email)).first_name).toBe('Third');
	});

	it('the first registration of a new address always gets its mail', async () => {
		const emails = ['throttle.new.1@example.com', 'throttle.new.2@example.com'];
		expectAlike(await Promise.all(emails.map((email) => register(email))));
		for (const email of emails) await host.mailbox.waitFor(email, 1);
	});

	it('reset mails and verification mails of one address share one budget', async () => {
		// A reset needs an active user and a verification a pending one: the address's verification
		// mail comes first, then, once it is verified, the reset mails take what is left.
		const email = 'throttle.shared@example.com';
		expectAlike([await register(email)]);
		expect((await verify(await host.mailbox.tokenFor(email, 1))).status).toBe(204);
		const answers: ApiResponse[] = [];
		for (let i = 0; i < 4; i++) answers.push(await requestReset(email));
		expectAlike(answers);
		await host.mailbox.waitFor(email, MAX_PER_HOUR);
		await settle();
		expect(host.mailbox.to(email)).toHaveLength(MAX_PER_HOUR);
		// the throttled requests revoked nothing: the last reset link mailed still sets the password
		const last = await host.mailbox.tokenFor(email, MAX_PER_HOUR);
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token: last, password: 'a-brand-new-password' })).status).toBe(204);
		expect((await host.login(email, 'a-brand-new-password')).status).toBe(200);
	});
});
