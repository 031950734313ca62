// Mails people can read: every mail's template data (url, email, names, language, project name,
// expiry; the inviter for invites), printed by a project's own Liquid templates
// (EMAIL_TEMPLATES_PATH), and subjects in the recipient's language from
// USER_LIFECYCLE_MAIL_SUBJECTS, else the host's English ones; what people typed arrives
// HTML-escaped. Read from the real mails.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedMail } from '../../harness/mailbox.js';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';

const FIELDS = ['url', 'email', 'first_name', 'last_name', 'language', 'project_name', 'expires_at', 'inviter', 'inviter_email'];
/** A project's own template: every field on its own line, and the link as a link. */
const TEMPLATE = `<p>custom template</p>\n${FIELDS.map((f) => `<p>${f}=[{{ ${f} }}]</p>`).join('\n')}\n<a href="{{ url }}">go</a>\n`;

const SUBJECTS = {
	'user-registration': { de: 'Bitte bestätigen Sie Ihre E-Mail-Adresse' },
	'user-invitation': { 'de-DE': 'Sie wurden eingeladen', fr: 'Vous avez été invité' },
};
const PROJECT = 'Lifecycle Mail Test';
const DAY = 24 * 3600 * 1000;

/** The fields the custom template printed. */
function fieldsOf(mail: CapturedMail): Record<string, string> {
	const out: Record<string, string> = {};
	for (const field of FIELDS) {
		const match = new RegExp(`${field}=\\[(.*?)\\]`).exec(mail.html);
		if (match) out[field] = match[1]!.replace(/&amp;/g, '&');
	}
	return out;
}

describe.each(await availableDatabases())('mails in their language on %s', (db) => {
	let host: TestHost;
	let inviteeRole: string;
	let inviter: { id: string; token: string };

	beforeAll(async () => {
		const templates = mkdtempSync(join(tmpdir(), 'ul-mail-templates-'));
		writeFileSync(join(templates, 'user-registration.liquid'), TEMPLATE);
		writeFileSync(join(templates, 'user-invitation.liquid'), TEMPLATE);
		host = await startTestHost({
			db,
			env: {
				EMAIL_TEMPLATES_PATH: templates,
				USER_LIFECYCLE_MAIL_SUBJECTS: JSON.stringify(SUBJECTS),
				USER_LIFECYCLE_REGISTER_FIELDS: 'language',
				EMAIL_VERIFICATION_TOKEN_TTL: '2d',
				USER_INVITE_TOKEN_TTL: '3d',
				REGISTER_STALL_TIME: '50',
				RATE_LIMITER_REGISTRATION_ENABLED: 'false',
				USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *',
			},
		});
		inviteeRole = await host.createApiRole('Invitees');
		const registered = await host.createApiRole('Registered');
		const inviters = await host.createApiRole('Inviters', [
			{ collection: 'directus_users', action: 'create' },
			{ collection: 'directus_users', action: 'read' },
		]);
		inviter = await host.createApiUser(inviters, 'ina@example.net', { first_name: 'Ina', last_name: 'Viter' });
		// The extension caches these settings briefly; a settings update on this instance clears them.
		await host.setSettings({ project_name: PROJECT, default_language: 'fr-FR', public_registration: true, public_registration_verify_email: true, public_registration_role: registered });
	});

	afterAll(async () => {
		await host?.stop();
	});

	const register = async (body: Record<string, unknown>) => {
		const res = await host.api('POST', '/user-lifecycle/register', { password: PASSWORD, ...body });
		expect(res.status, res.text).toBe(204);
		return (await host.mailbox.waitFor(String(body['email'])))[0]!;
	};

	it('a de-DE user gets the German subject (primary subtag) and every field in the template data', async () => {
		const email = 'grete@example.com';
		const before = Date.now();
		const mail = await register({ email, first_name: 'Grete', last_name: 'Müller', language: 'de-DE' });
		expect(mail.subject).toBe(SUBJECTS['user-registration'].de);
		const fields = fieldsOf(mail);
		expect(fields['email']).toBe(email);
		expect(fields['first_name']).toBe('Grete');
		expect(fields['last_name']).toBe('Müller');
		expect(fields['language']).toBe('de-DE');
		expect(fields['project_name']).toBe(PROJECT);
		expect(fields['url']).toBe(mail.links[0]);
		expect(new URL(fields['url']!).searchParams.get('token')).toBe(mail.tokens[0]);
		const expires = Date.parse(fields['expires_at']!);
		expect(expires).toBeGreaterThanOrEqual(before + 2 * DAY - 60_000);
		expect(expires).toBeLessThanOrEqual(Date.now() + 2 * DAY + 60_000);
		// The token the mail carries works.
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token: mail.tokens[0] })).status).toBe(204);
	});

	it("a language with no configured subject gets the host's English subject", async () => {
		const mail = await register({ email: 'jan@example.com', language: 'nl-NL' });
		expect(mail.subject).toBe('Verify your email address');
		expect(fieldsOf(mail)['language']).toBe('nl-NL');
	});

	it("a user without a language gets the project's default_language (and its subject when configured)", async () => {
		const mail = await register({ email: 'nolang@example.com' });
		expect(fieldsOf(mail)['language']).toBe('fr-FR');
		// No French subject for registration: English.
		expect(mail.subject).toBe('Verify your email address');
		expect(fieldsOf(mail)['first_name']).toBe('');
	});

	it('a resend carries the same fields, in the same language', async () => {
		const email = 'grete2@example.com';
		await register({ email, first_name: 'Grete', language: 'de-AT' });
		expect((await host.api('POST', '/user-lifecycle/register/resend', { email })).status).toBe(204);
		const [, resent] = await host.mailbox.waitFor(email, 2);
		expect(resent!.subject).toBe(SUBJECTS['user-registration'].de);
		expect(fieldsOf(resent!)).toMatchObject({ email, first_name: 'Grete', language: 'de-AT', project_name: PROJECT });
	});

	it('invitations carry the inviter; the subject follows the language (exact tag, then primary subtag)', async () => {
		const before = Date.now();
		const res = await host.api('POST', '/user-lifecycle/invite', { email: 'invitee@example.com', role: inviteeRole }, { token: inviter.token });
		expect(res.status, res.text).toBe(200);
		const [mail] = await host.mailbox.waitFor('invitee@example.com');
		const fields = fieldsOf(mail!);
		expect(fields['inviter']).toBe('Ina Viter');
		expect(fields['inviter_email']).toBe('ina@example.net');
		expect(fields['language']).toBe('fr-FR');
		expect(mail!.subject).toBe(SUBJECTS['user-invitation'].fr);
		expect(fields['project_name']).toBe(PROJECT);
		expect(fields['email']).toBe('invitee@example.com');
		const expires = Date.parse(fields['expires_at']!);
		expect(expires).toBeGreaterThanOrEqual(before + 3 * DAY - 60_000);
		expect(expires).toBeLessThanOrEqual(Date.now() + 3 * DAY + 60_000);

		// A re-invite of a user whose language is set: that language's subject.
		const user = await host.userByEmail('invitee@example.com');
		await host.knex('directus_users').where({ id: user.id }).update({ language: 'de-DE', first_name: 'Ivo' });
		expect((await host.api('POST', '/user-lifecycle/invite/resend', { user: user.id }, { token: host.adminToken })).status).toBe(204);
		const [, resent] = await host.mailbox.waitFor('invitee@example.com', 2);
		expect(resent!.subject).toBe(SUBJECTS['user-invitation']['de-DE']);
		expect(fieldsOf(resent!)).toMatchObject({ language: 'de-DE', first_name: 'Ivo' });
	});

	it("names are data: a project's template printing {{ first_name }} as is gets escaped text, not markup", async () => {
		const hostile = '<b>Eve</b><img src=x onerror=alert(1)>';
		const mail = await register({ email: 'eve.markup@example.com', first_name: hostile, last_name: `O'Hara & "Co"` });
		expect(mail.html).toContain('first_name=[&lt;b&gt;Eve&lt;/b&gt;&lt;img src=x onerror=alert(1)&gt;]');
		expect(mail.html).toContain('last_name=[O&#39;Hara &amp; &quot;Co&quot;]');
		expect(mail.html).not.toContain('<img src=x');
		expect(mail.html).not.toContain('<b>Eve');
		// The name is stored as typed: only the mail escapes it.
		expect((await host.userByEmail('eve.markup@example.com')).first_name).toBe(hostile);
		// The link still works.
		expect((await host.api('POST', '/user-lifecycle/register/verify-email', { token: mail.tokens[0] })).status).toBe(204);
	});

	it('a renamed project shows in the next mail (settings cached briefly, cleared by a settings update)', async () => {
		await host.setSettings({ project_name: 'Renamed Project' });
		const mail = await register({ email: 'renamed@example.com' });
		expect(fieldsOf(mail)['project_name']).toBe('Renamed Project');
	});
});
