// `npm run dev`: a real Directus on an embedded SQLite file (.dev/), the extension loaded,
// an admin account, public registration on, and a local mailbox (MailDev) with a web page.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, root, startHost } from './host.mjs';

const port = Number(process.env.DEV_PORT ?? 8055);
const smtpPort = Number(process.env.DEV_SMTP_PORT ?? 1025);
const mailWebPort = Number(process.env.DEV_MAIL_WEB_PORT ?? 1080);
const dir = join(root, '.dev');
mkdirSync(dir, { recursive: true });

const maildev = spawn(process.execPath, [join(root, 'node_modules/maildev/bin/maildev'), '--ip', '127.0.0.1', '--smtp', String(smtpPort), '--web', String(mailWebPort)], {
	stdio: ['ignore', 'ignore', 'inherit'],
});

const url = `http://localhost:${port}`;
const host = await startHost({
	db: 'sqlite',
	dir,
	port,
	env: {
		PUBLIC_URL: url,
		HOST: '127.0.0.1',
		SECRET: process.env.SECRET ?? 'dev-secret-user-lifecycle-change-me',
		EMAIL_SMTP_PORT: String(smtpPort),
		LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
		LOG_STYLE: 'pretty',
		USER_REGISTER_URL_ALLOW_LIST: `${url}/user-lifecycle/register/verify-email`,
		USER_INVITE_URL_ALLOW_LIST: `${url}/admin/accept-invite`,
		PASSWORD_RESET_URL_ALLOW_LIST: `${url}/admin/reset-password`,
		HASH_MEMORY_COST: null,
		HASH_TIME_COST: null,
		HASH_PARALLELISM: null,
	},
});

const call = async (method, path, body, token) => {
	const res = await fetch(url + path, {
		method,
		headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: body ? JSON.stringify(body) : undefined,
	});
	const text = await res.text();
	if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
	return text ? JSON.parse(text) : null;
};

const admin = (await call('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).data.access_token;
// An API-only role for self-registered users (no app access, so no licence seat is taken).
const roles = await call('GET', '/roles?filter[name][_eq]=Registered%20users', undefined, admin);
let roleId = roles.data[0]?.id;
if (!roleId) {
	const policy = await call('POST', '/policies', { name: 'Registered users', app_access: false, admin_access: false }, admin);
	roleId = (await call('POST', '/roles', { name: 'Registered users', policies: [{ policy: policy.data.id }] }, admin)).data.id;
}
await call('PATCH', '/settings', { public_registration: true, public_registration_verify_email: true, public_registration_role: roleId }, admin);
// A password-reset mail for the dev admin, through the host's own route (served by the hardened
// flow): the mailbox shows one as soon as it opens. Its link is single-use and lasts an hour;
// until it is used, the admin's password stays as printed below.
await call('POST', '/auth/password/request', { email: ADMIN_EMAIL });

console.log(`
  Directus with directus-extension-user-lifecycle is running.

  Data Studio   ${url}/admin        ${ADMIN_EMAIL} / ${ADMIN_PASSWORD}
  Mailbox       http://localhost:${mailWebPort}   (every mail the project sends lands here)
  Database      ${join(dir, 'data.db')}
  Host log      ${join(dir, 'directus.log')}

  Try it:
    curl -i -X POST ${url}/user-lifecycle/register \\
      -H 'content-type: application/json' \\
      -d '{"email":"jane@example.com","password":"a-long-password"}'
  then open the mailbox and click "Verify email".

  The mailbox already holds a "Password Reset Request" for ${ADMIN_EMAIL}: its link opens the
  Data Studio's reset page (single use, 1 h). Sign-in page → "Forgot password" sends another.

  Ctrl-C stops Directus and the mailbox.
`);

const shutdown = async () => {
	await host.stop({ dropDatabase: false });
	maildev.kill('SIGTERM');
	process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
