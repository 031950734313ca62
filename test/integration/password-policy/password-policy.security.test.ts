// Attacks on the password policy itself: a refusal must tell nothing about who exists (a weak
// password to a taken address answers exactly like one to a free address, on every registration
// door), nothing about a user the caller may not write (their names are not an oracle), and must
// never hand back or log the password.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { createAppRole, expectRefused, startPolicyHost, WEAK } from './profile.js';

describe.each(await availableDatabases())('attacking the password policy on %s', (db) => {
	let host: TestHost;
	let role: string;
	const sent: string[] = [];
	const gql = (query: string, variables: Record<string, unknown> = {}, token: string | null = null) => host.api('POST', '/graphql/system', { query, variables }, { token });

	beforeAll(async () => {
		host = await startPolicyHost(startTestHost, db);
		role = await host.createApiRole('Policy attackers');
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('a weak password to a taken address answers exactly like one to a free address, before any lookup, on every registration door', async () => {
		const taken = `taken.${randomUUID().slice(0, 6)}@policy.example.com`;
		const pending = `pending.${randomUUID().slice(0, 6)}@policy.example.com`;
		await host.createUser({ email: taken, password: PASSWORD, role, status: 'active' });
		expect((await host.api('POST', '/user-lifecycle/register', { email: pending, password: 'plinth-ocelot-marigold' })).status).toBe(204);
		// Its verification mail is out before the refused registrations start (the outbox sends it later otherwise).
		await host.mailbox.waitFor(pending, 1);
		const doors = [
			(email: string, password: string) => host.api('POST', '/user-lifecycle/register', { email, password }),
			(email: string, password: string) => host.api('POST', '/users/register', { email, password }),
			(email: string, password: string) => gql('mutation R($email: String!, $password: String!) { users_register(email: $email, password: $password) }', { email, password }),
		];
		for (const register of doors) {
			for (const weak of [WEAK.common, WEAK.short, WEAK.host]) {
				sent.push(weak.password);
				const free = await register(`free.${randomUUID().slice(0, 6)}@policy.example.com`, weak.password);
				expectRefused(free, weak.rule);
				for (const email of [taken, pending, taken.toUpperCase()]) {
					const answer = await register(email, weak.password);
					expect(answer.status).toBe(free.status);
					expect(answer.body).toEqual(free.body);
				}
			}
		}
		// The pending registration kept its password: no mail went out for the refused ones.
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(host.mailbox.to(pending)).toHaveLength(1);
	});

	it("a caller who may not write a user gets the host's 403, whether or not the password holds that user's name", async () => {
		const victim = await host.createUser({ email: `victim.${randomUUID().slice(0, 6)}@policy.example.com`, password: PASSWORD, role, status: 'active', first_name: 'Evangeline', last_name: 'Montgomery' });
		// A Data Studio user may change their own password (the host's built-in permissions), nobody
		// else's; an API user may change nothing.
		const appUser = await host.createApiUser(await createAppRole(host, 'Policy attackers (app)'), `editor.${randomUUID().slice(0, 6)}@policy.example.com`);
		const callers = [appUser.token, (await host.createApiUser(role, `nobody.${randomUUID().slice(0, 6)}@policy.example.com`)).token];
		const before = (await host.knex('directus_users').select('password').where({ id: victim }).first()).password;
		for (const token of callers) {
			const answers = [];
			for (const [id, password] of [
				[victim, 'plinth-evangeline'],
				[victim, 'montgomery-plinth'],
				[victim, 'plinth-ocelot-marigold'],
				[randomUUID(), 'plinth-evangeline'],
			] as const) {
				sent.push(password);
				answers.push(await host.api('PATCH', `/users/${id}`, { password }, { token }));
				answers.push(await gql('mutation U($id: ID!, $data: update_directus_users_input!) { update_users_item(id: $id, data: $data) { id } }', { id, data: { password } }, token));
			}
			const rest = answers.filter((_, i) => i % 2 === 0);
			const graphql = answers.filter((_, i) => i % 2 === 1);
			for (const res of rest) {
				expect(res.status, res.text).toBe(403);
				expect(res.body).toEqual(rest[0]!.body);
			}
			expect(rest[0]!.body.errors[0].extensions.code).toBe('FORBIDDEN');
			// GraphQL has no such mutation or field for them at all: the same refusal, whatever the password.
			for (const res of graphql) expect(res.body.errors[0].extensions.code, res.text).toBe(graphql[0]!.body.errors[0].extensions.code);
			expect(graphql[0]!.body.errors[0].extensions.code).not.toBe('PASSWORD_POLICY');
		}
		expect((await host.knex('directus_users').select('password').where({ id: victim }).first()).password).toBe(before);
		// Rules that don't depend on whose password it is still answer first.
		expectRefused(await host.api('PATCH', `/users/${victim}`, { password: WEAK.common.password }, { token: callers[1] }), 'common');
		await host.knex('directus_users').where({ id: appUser.id }).update({ status: 'suspended' }); // its licence seat back
	});

	it('never hands back nor logs a refused password', async () => {
		const email = `quiet.${randomUUID().slice(0, 6)}@policy.example.com`;
		const { token } = await host.createApiUser(role, email);
		const secret = `Zq-${randomUUID()}#`; // refused by the host's regex
		sent.push(secret);
		for (const res of [
			await host.api('POST', '/user-lifecycle/register', { email: `x.${email}`, password: secret }),
			await host.api('PATCH', '/users/me', { password: secret }, { token }),
			await host.admin('POST', '/users', { email: `y.${email}`, password: secret }),
		]) {
			expectRefused(res, 'host-policy');
			expect(res.text).not.toContain(secret);
		}
		await new Promise((resolve) => setTimeout(resolve, 300));
		const logs = host.logs();
		for (const password of sent) expect(logs.includes(password), `a password in the log: ${password.slice(0, 4)}…`).toBe(false);
	});
});
