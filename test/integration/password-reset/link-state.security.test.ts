// A reset link dies with the state it was issued for: a user who left `active` and came back, or
// whose email changed and changed back, cannot spend a link mailed before (403 INVALID_TOKEN, the
// answer of a spent link; the password stays). A link with no change in between still works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type ApiResponse, type TestHost } from '../../harness/host.js';
import { RESET_ENV } from './profile.js';

// The same settings profile as password-reset.test.ts: the worker's host is shared.
const NEW_PASSWORD = 'a-brand-new-password';

describe.each(await availableDatabases())('reset links bound to their state on %s', (db) => {
	let host: TestHost;
	let role: string;

	const requestLink = async (email: string) => {
		const res = await host.api('POST', '/user-lifecycle/password/request', { email });
		expect(res.status, res.text).toBe(204);
		return host.mailbox.tokenFor(email);
	};
	const reset = (token: string) => host.api('POST', '/user-lifecycle/password/reset', { token, password: NEW_PASSWORD });
	const adminPatch = async (id: string, body: Record<string, unknown>) => {
		const res = await host.admin('PATCH', `/users/${id}`, body);
		expect(res.status, res.text).toBe(200);
	};
	const expectRefused = (res: ApiResponse) => {
		expect(res.status, res.text).toBe(403);
		expect(res.body.errors[0].extensions.code).toBe('INVALID_TOKEN');
	};
	const expectPasswordUnchanged = async (email: string) => {
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(401);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	};

	beforeAll(async () => {
		host = await startTestHost({
			db,
			env: RESET_ENV,
		});
		role = await host.createApiRole('Link state users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a link issued before a suspension does not work after the reactivation', async () => {
		const email = 'link.suspended@example.com';
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const token = await requestLink(email);
		await adminPatch(id, { status: 'suspended' });
		await adminPatch(id, { status: 'active' });
		expectRefused(await reset(token));
		await expectPasswordUnchanged(email);
	});

	it('a link issued before an email change does not work once the email is changed back', async () => {
		const email = 'link.moved@example.com';
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const token = await requestLink(email);
		await adminPatch(id, { email: 'link.moved.elsewhere@example.com' });
		await adminPatch(id, { email });
		expectRefused(await reset(token));
		await expectPasswordUnchanged(email);
	});

	it('a link with no change of status or email in between still works (other edits do not kill it)', async () => {
		const email = 'link.kept@example.com';
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const token = await requestLink(email);
		await adminPatch(id, { first_name: 'Kept', title: 'still active' });
		expect((await reset(token)).status).toBe(204);
		expect((await host.login(email, NEW_PASSWORD)).status).toBe(200);
	});
});
