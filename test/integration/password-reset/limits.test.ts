import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';

const LISTENER = fileURLToPath(new URL('../../fixtures/directus-extension-reset-listener', import.meta.url));
const IP_LIMIT = 3;
const TTL_S = 10;

describe.each(await availableDatabases())('password reset limits on %s', (db) => {
	let host: TestHost;
	let role: string;
	const listenerFile = join(mkdtempSync(join(tmpdir(), 'reset-listener-')), 'events.jsonl');
	const heard = () => (existsSync(listenerFile) ? readFileSync(listenerFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []);

	beforeAll(async () => {
		host = await startTestHost({
			db,
			extraExtensions: [LISTENER],
			env: {
				RESET_LISTENER_FILE: listenerFile,
				// Short enough to wait out, long enough for the other tests' links to travel through the
				// outbox and be used on a loaded machine (3 s left a link little to spare).
				USER_LIFECYCLE_RESET_TOKEN_TTL: `${TTL_S}s`,
				USER_LIFECYCLE_RESET_STALL_TIME: '0',
				USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: String(IP_LIMIT),
			},
		});
		role = await host.createApiRole('Reset users');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a link used past USER_LIFECYCLE_RESET_TOKEN_TTL answers 401 TOKEN_EXPIRED and changes nothing', async () => {
		const email = 'ttl.user@example.com';
		await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		expect((await host.api('POST', '/user-lifecycle/password/request', { email })).status).toBe(204);
		const token = await host.mailbox.tokenFor(email);
		const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
		expect(payload.exp - payload.iat).toBe(TTL_S);
		const before = (await host.userByEmail(email)).password;
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, payload.exp * 1000 - Date.now()) + 600));
		const late = await host.api('POST', '/auth/password/reset', { token, password: 'a-brand-new-password' });
		expect(late.status).toBe(401);
		expect(late.body.errors[0].extensions.code).toBe('TOKEN_EXPIRED');
		expect((await host.userByEmail(email)).password).toBe(before);
		expect((await host.login(email, PASSWORD)).status).toBe(200);
	});

	it('a reset emits user-lifecycle.password-reset after its commit, to other extensions, with no secret', async () => {
		const email = 'event.user@example.com';
		const id = await host.createUser({ email, password: PASSWORD, role, status: 'active' });
		const graphql = await host.api('POST', '/graphql/system', { query: `mutation { auth_password_request(email: "${email}") }` });
		expect(graphql.body).toEqual({ data: { auth_password_request: true } });
		const token = await host.mailbox.tokenFor(email);
		expect(heard()).toEqual([]);
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token, password: 'a-brand-new-password' })).status).toBe(204);
		const deadline = Date.now() + 10_000;
		while (heard().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
		const events = heard();
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({ user: id, actor: null, via: 'password-reset' });
		const text = JSON.stringify(events[0]);
		expect(text).not.toContain(token);
		expect(text).not.toContain('a-brand-new-password');
		// a refused reset emits nothing
		await host.api('POST', '/user-lifecycle/password/reset', { token, password: 'a-brand-new-password' });
		await new Promise((resolve) => setTimeout(resolve, 500));
		expect(heard()).toHaveLength(1);
	});

	it('requests are limited per IP (USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE): past it 429 REQUESTS_EXCEEDED, on every door', async () => {
		const answers: { status: number; code?: string; retryAfter: string | null }[] = [];
		// Over two fixed windows at most 2 × the limit can pass: one more must be refused.
		for (let i = 0; i < 2 * IP_LIMIT + 1; i++) {
			const path = i % 2 === 0 ? '/user-lifecycle/password/request' : '/auth/password/request';
			const res = await host.api('POST', path, { email: `ip.limit.${i}@example.com` });
			answers.push({ status: res.status, code: res.body?.errors?.[0]?.extensions?.code, retryAfter: res.headers.get('retry-after') });
		}
		const refused = answers.filter((a) => a.status === 429);
		expect(refused.length).toBeGreaterThan(0);
		expect(answers.filter((a) => a.status === 204).length).toBeLessThanOrEqual(2 * IP_LIMIT);
		for (const a of refused) {
			expect(a.code).toBe('REQUESTS_EXCEEDED');
			expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(0);
		}
		const graphql = await host.api('POST', '/graphql/system', { query: 'mutation { auth_password_request(email: "ip.limit.gql@example.com") }' });
		// the window may just have turned: then this one passes, the next ones are counted again
		if (graphql.body.errors) expect(graphql.body.errors[0].extensions.code).toBe('REQUESTS_EXCEEDED');
		else expect(graphql.body).toEqual({ data: { auth_password_request: true } });
		// the reset route itself is not limited per IP (a link is 256 random bits)
		expect((await host.api('POST', '/user-lifecycle/password/reset', { token: 'abc', password: 'a-long-password' })).status).toBe(403);
	});
});
