// A click never sets a stranger's password. A victim registers an address; an attacker registers
// the same still-pending address with their own password; the victim's first link is dead and
// the victim follows the second. Before, that click activated the attacker's password. Now a
// registration registered again is contested: no registrant's password is kept, a link without a
// chosen password verifies nothing (and stays usable) on every door, and a browser following it
// gets the page where the mailbox holder chooses the password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases, startTestHost, type TestHost } from '../../harness/host.js';
import { REGISTRATION_DOORS } from '../../harness/profiles.js';

const MAX_MAILS_PER_HOUR = REGISTRATION_DOORS.mailsPerHour;
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe.each(await availableDatabases())('contested registrations on %s', (db) => {
	let host: TestHost;
	const secrets: string[] = [];

	const register = async (email: string, password: string, fields: Record<string, unknown> = {}) => {
		secrets.push(password);
		const res = await host.api('POST', '/user-lifecycle/register', { email, password, ...fields });
		expect(res.status, res.text).toBe(204);
	};
	const tokenOf = async (email: string, nth: number) => {
		const token = await host.mailbox.tokenFor(email, nth);
		secrets.push(token);
		return token;
	};
	/** Registers `email` once per password, each after the previous mail arrived: each mail's token. */
	const registerInTurn = async (email: string, registrations: [password: string, fields?: Record<string, unknown>][]) => {
		const tokens: string[] = [];
		for (const [password, fields] of registrations) {
			await register(email, password, fields);
			tokens.push(await tokenOf(email, tokens.length + 1));
		}
		return tokens;
	};
	const verify = (body: Record<string, unknown>) => host.api('POST', '/user-lifecycle/register/verify-email', body);
	const statusOf = async (email: string) => (await host.userByEmail(email)).status;
	const codeOf = (res: { body: any }) => res.body?.errors?.[0]?.extensions?.code;
	/** The link asks for a password, then verifies with the one chosen, which alone signs in. */
	const expectVerifiedWithChosen = async (email: string, token: string, chosen: string, wrong: string[]) => {
		secrets.push(chosen);
		expect(codeOf(await verify({ token }))).toBe('PASSWORD_REQUIRED');
		expect((await verify({ token, password: chosen })).status).toBe(204);
		expect(await statusOf(email)).toBe('active');
		for (const password of wrong) expect((await host.login(email, password)).status).toBe(401);
		expect((await host.login(email, chosen)).status).toBe(200);
	};
	const graphqlVerify = (token: string) =>
		host.api('POST', '/graphql/system', { query: 'mutation ($token: String!) { users_register_verify(token: $token) }', variables: { token } });

	beforeAll(async () => {
		host = await startTestHost({ db, ...REGISTRATION_DOORS });
		const role = await host.createApiRole('Contested registrants');
		await host.setSettings({ public_registration: true, public_registration_verify_email: true, public_registration_role: role, auth_password_policy: '/^.{8,}$/' });
	});

	afterAll(async () => {
		await host?.stop();
	});

	it('victim, then attacker: following the newest link activates neither password; the password chosen with it does', async () => {
		const email = 'contested.victim@example.com';
		const [first, second] = (await registerInTurn(email, [['owner-password-1', { first_name: 'Victoria' }], ['attacker-password-2', { first_name: 'Mallory' }]])) as [string, string];
		const user = await host.userByEmail(email);
		expect(user).toMatchObject({ status: 'unverified', password: null, first_name: 'Mallory' });
		const contests = await host.knex('user_lifecycle_events').where({ user: user.id, event: 'registration-contested' });
		expect(contests).toHaveLength(1);
		expect(contests[0]).toMatchObject({ actor: null, via: 'registration' });

		expect(codeOf(await verify({ token: first }))).toBe('INVALID_TOKEN');

		// Every door that takes the link alone: 400 PASSWORD_REQUIRED, the link unspent, nobody active.
		const refusals = [
			await verify({ token: second }),
			await host.api('GET', `/user-lifecycle/register/verify-email?token=${encodeURIComponent(second)}`),
			await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(second)}`),
			await host.api('GET', `/USERS//register/verify-email/?token=${encodeURIComponent(second)}`),
		];
		for (const res of refusals) {
			expect(res.status, res.text).toBe(400);
			expect(codeOf(res)).toBe('PASSWORD_REQUIRED');
		}
		const graphql = await graphqlVerify(second);
		expect(graphql.status).toBe(200);
		expect(codeOf(graphql)).toBe('PASSWORD_REQUIRED');
		expect(await statusOf(email)).toBe('unverified');

		// A browser following the link (the host's and ours) gets the page, not a verification.
		for (const path of ['/users/register/verify-email', '/user-lifecycle/register/verify-email']) {
			const page = await host.api('GET', `${path}?token=${encodeURIComponent(second)}`, undefined, { headers: BROWSER });
			expect(page.status).toBe(200);
			expect(page.headers.get('content-type')).toContain('text/html');
			const csp = page.headers.get('content-security-policy')!;
			expect(csp).toContain("script-src 'self'");
			expect(csp).not.toContain('unsafe-inline');
			expect(page.headers.get('referrer-policy')).toBe('no-referrer');
			expect(page.headers.get('cache-control')).toBe('no-store');
			expect(page.text).toContain('<form id="choose-password"');
			expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]/);
			expect(page.text).not.toContain(second);
		}
		expect(await statusOf(email)).toBe('unverified');

		// A password the policy refuses: 400, the link still usable.
		const weak = await verify({ token: second, password: 'short' });
		expect(weak.status).toBe(400);
		expect(codeOf(weak)).toBe('PASSWORD_POLICY');
		expect(await statusOf(email)).toBe('unverified');

		expect((await verify({ token: second, password: 'chosen-by-mailbox-3' })).status).toBe(204);
		secrets.push('chosen-by-mailbox-3');
		expect(await statusOf(email)).toBe('active');
		expect((await host.login(email, 'attacker-password-2')).status).toBe(401);
		expect((await host.login(email, 'owner-password-1')).status).toBe(401);
		expect((await host.login(email, 'chosen-by-mailbox-3')).status).toBe(200);
		expect(codeOf(await verify({ token: second, password: 'attacker-password-4' }))).toBe('INVALID_TOKEN');
	});

	it('attacker first, victim second (pre-registration hijack): the same; a third registration keeps it contested', async () => {
		const email = 'contested.hijack@example.com';
		const third = (await registerInTurn(email, [['attacker-password-1'], ['owner-password-2'], ['attacker-password-3', { first_name: 'Third' }]]))[2]!;
		expect(await host.userByEmail(email)).toMatchObject({ status: 'unverified', password: null, first_name: 'Third' });
		expect(codeOf(await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(third)}`))).toBe('PASSWORD_REQUIRED');
		await expectVerifiedWithChosen(email, third, 'chosen-by-mailbox-4', ['attacker-password-1', 'owner-password-2', 'attacker-password-3']);
	});

	it('a resend of a contested registration stays contested', async () => {
		const email = 'contested.resend@example.com';
		await registerInTurn(email, [['first-password-1'], ['second-password-2']]);
		expect((await host.api('POST', '/user-lifecycle/register/resend', { email })).status).toBe(204);
		const resent = await tokenOf(email, 3);
		await expectVerifiedWithChosen(email, resent, 'chosen-by-mailbox-3', ['first-password-1', 'second-password-2']);
	});

	it('past the mail throttle a registration again still drops the pending password: the live link asks for one', async () => {
		// The attacker's registration and resends use up the address's mails: the victim's
		// registration sends nothing, and the newest link in the mailbox is the attacker's.
		const email = 'contested.throttled@example.com';
		await register(email, 'attacker-password-1', { first_name: 'Mallory' });
		for (let i = 1; i < MAX_MAILS_PER_HOUR; i++) expect((await host.api('POST', '/user-lifecycle/register/resend', { email })).status).toBe(204);
		const newest = await tokenOf(email, MAX_MAILS_PER_HOUR);
		await register(email, 'owner-password-2', { first_name: 'Victoria' });
		await register(email, 'owner-password-3');
		await new Promise((resolve) => setTimeout(resolve, 1000));
		expect(host.mailbox.to(email)).toHaveLength(MAX_MAILS_PER_HOUR);
		const user = await host.userByEmail(email);
		// Nothing but the password changed, once.
		expect(user).toMatchObject({ status: 'unverified', password: null, first_name: 'Mallory' });
		expect(await host.knex('user_lifecycle_events').where({ user: user.id, event: 'registration-contested' })).toHaveLength(1);

		await expectVerifiedWithChosen(email, newest, 'chosen-by-mailbox-4', ['attacker-password-1', 'owner-password-2', 'owner-password-3']);
	});

	it('a burst of registrations racing the first link: no 5xx, and no attacker password ever signs in', async () => {
		const email = 'contested.burst@example.com';
		const [first] = await registerInTurn(email, [['owner-password-1']]);
		const attackers = ['attacker-rush-1', 'attacker-rush-2', 'attacker-rush-3', 'attacker-rush-4', 'attacker-rush-5'];
		secrets.push(...attackers);
		const answers = await Promise.all([
			...attackers.map((password) => host.api('POST', '/user-lifecycle/register', { email, password })),
			verify({ token: first! }),
		]);
		for (const res of answers.slice(0, -1)) expect(res.status, res.text).toBe(204);
		const raced = answers.at(-1)!;
		expect([204, 400, 403], raced.text).toContain(raced.status);
		await new Promise((resolve) => setTimeout(resolve, 1000));
		if ((await statusOf(email)) === 'unverified') {
			// Contested: of the links mailed, the live one verifies with a chosen password.
			const links = host.mailbox.to(email).flatMap((mail) => mail.tokens);
			secrets.push(...links);
			const statuses = [];
			for (const token of links) statuses.push((await verify({ token, password: 'chosen-by-mailbox-6' })).status);
			expect(statuses.filter((status) => status === 204)).toHaveLength(1);
			expect((await host.login(email, 'chosen-by-mailbox-6')).status).toBe(200);
		}
		expect(await statusOf(email)).toBe('active');
		for (const password of attackers) expect((await host.login(email, password)).status).toBe(401);
	});

	it('a single registration keeps its one click on every door, and its password signs in', async () => {
		const emails = ['single.ours@example.com', 'single.host@example.com', 'single.browser@example.com', 'single.graphql@example.com'];
		for (const email of emails) await register(email, 'own-password-1');
		const links = await Promise.all(emails.map((email) => tokenOf(email, 1)));
		expect((await host.api('GET', `/user-lifecycle/register/verify-email?token=${encodeURIComponent(links[0]!)}`)).status).toBe(204);
		expect((await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(links[1]!)}`)).status).toBe(302);
		const browser = await host.api('GET', `/users/register/verify-email?token=${encodeURIComponent(links[2]!)}`, undefined, { headers: BROWSER });
		expect(browser.status).toBe(302);
		expect(browser.headers.get('location')).toBe(`/admin/users/${(await host.userByEmail(emails[2]!)).id}`);
		expect((await graphqlVerify(links[3]!)).body).toEqual({ data: { users_register_verify: true } });
		for (const email of emails) {
			expect(await statusOf(email)).toBe('active');
			expect((await host.login(email, 'own-password-1')).status).toBe(200);
		}
	});

	it("serves the page's script and style, and never shows a token or a password in a log line", async () => {
		for (const [asset, type] of [['choose-password.js', 'javascript'], ['choose-password.css', 'text/css']] as const) {
			const res = await host.api('GET', `/user-lifecycle/register/${asset}`);
			expect(res.status).toBe(200);
			expect(res.headers.get('content-type')).toContain(type);
		}
		const logs = host.logs();
		for (const secret of secrets) expect(logs).not.toContain(secret);
	});
});
