// Bench helpers: a local SMTP server that never takes the run down, an HTTP client (and one signed
// in as the host's admin), a role without app access, users in batches, a pool of concurrent
// clients, medians, a Markdown table, and a knex handle on a host's database for set-up shortcuts.
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import knexFactory from 'knex';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../scripts/host.mjs';

/** A local SMTP server: mails by recipient (tokens found in their links); errors are counted, never thrown. */
export async function startMailbox() {
	const byRecipient = new Map();
	let errors = 0;
	const smtp = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		// Hosts with a pool keep connections open; many at once are fine here.
		maxClients: 1000,
		onData(stream, session, callback) {
			const chunks = [];
			stream.on('data', (chunk) => chunks.push(chunk));
			stream.on('error', () => errors++);
			// Read the envelope now: the server resets the session once the callback answers.
			const recipients = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
			stream.on('end', () => {
				callback();
				const raw = Buffer.concat(chunks);
				for (const to of recipients) {
					const list = byRecipient.get(to) ?? [];
					list.push({ raw, tokens: null });
					byRecipient.set(to, list);
				}
			});
		},
	});
	// A client that hangs up mid-session (ECONNRESET) is the client's problem, not the bench's.
	smtp.on('error', () => errors++);
	await new Promise((resolve) => smtp.listen(0, '127.0.0.1', resolve));
	const count = (prefix) => {
		let n = 0;
		for (const [to, list] of byRecipient) if (to.startsWith(prefix)) n += list.length;
		return n;
	};
	return {
		port: smtp.server.address().port,
		errors: () => errors,
		count,
		/** Waits until `n` mails to addresses starting with `prefix` arrived; false on timeout. */
		async waitFor(prefix, n, timeoutMs) {
			const deadline = Date.now() + timeoutMs;
			while (count(prefix) < n) {
				if (Date.now() > deadline) return false;
				await new Promise((r) => setTimeout(r, 20));
			}
			return true;
		},
		/** The token in the newest mail to `address` (waits for it). */
		async tokenFor(address, timeoutMs = 60_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const list = byRecipient.get(address.toLowerCase());
				const mail = list?.at(-1);
				if (mail) {
					if (mail.tokens === null) {
						const parsed = await simpleParser(mail.raw);
						const html = typeof parsed.html === 'string' ? parsed.html : '';
						const links = [...`${html} ${parsed.text ?? ''}`.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0].replaceAll('&amp;', '&'));
						mail.tokens = links.map((link) => { try { return new URL(link).searchParams.get('token'); } catch { return null; } }).filter(Boolean);
					}
					if (mail.tokens[0]) return mail.tokens[0];
					throw new Error(`mail to ${address} has no token link`);
				}
				if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
				await new Promise((r) => setTimeout(r, 50));
			}
		},
		close: () => new Promise((resolve) => smtp.close(resolve)),
	};
}

export function client(url) {
	const call = async (method, path, body, token) => {
		const started = performance.now();
		const res = await fetch(url + path, {
			method,
			headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		const ms = performance.now() - started;
		let parsed = null;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			parsed = text;
		}
		return { status: res.status, ms, body: parsed };
	};
	const ok = async (method, path, body, token) => {
		const res = await call(method, path, body, token);
		if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
		return res;
	};
	return { call, ok };
}

/** `client(url)` plus `admin(method, path, body)`: the same calls with the host admin's access token. */
export async function adminClient(url) {
	const http = client(url);
	const token = (await http.ok('POST', '/auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).body.data.access_token;
	return { ...http, admin: (method, path, body) => http.ok(method, path, body, token) };
}

/** A role whose one policy gives neither app nor admin access: its users take no seat. */
export async function apiOnlyRole(admin) {
	const policy = (await admin('POST', '/policies', { name: 'Bench policy', app_access: false, admin_access: false })).body.data.id;
	return (await admin('POST', '/roles', { name: 'Bench', policies: [{ policy }] })).body.data.id;
}

/** `count` active users with `role` (`<prefix>-<n>@example.com`), 250 a request; their ids in order. */
export async function activeUsers(admin, prefix, role, count) {
	const ids = [];
	for (let i = 0; i < count; i += 250) {
		const batch = Array.from({ length: Math.min(250, count - i) }, (_, k) => ({ email: `${prefix}-${i + k}@example.com`, role, status: 'active' }));
		ids.push(...(await admin('POST', '/users', batch)).body.data.map((user) => user.id));
	}
	return ids;
}

/** The lines of a Markdown table (cells padded to their column): header, rule, rows. */
export function markdownTable(header, rows) {
	const widths = header.map((cell, i) => Math.max(String(cell).length, ...rows.map((row) => String(row[i]).length)));
	const line = (cells) => `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
	return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** Runs `jobs` (functions) with `clients` of them in flight; returns requests per second. Every job must succeed. */
export async function throughput(jobs, clients) {
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: clients }, async () => {
			while (next < jobs.length) await jobs[next++]();
		}),
	);
	return jobs.length / ((performance.now() - started) / 1000);
}

export const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = Math.floor(s.length / 2);
	return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function hostKnex(db, env) {
	if (db === 'sqlite') return knexFactory({ client: 'sqlite3', connection: { filename: env.DB_FILENAME }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	return knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: env.DB_DATABASE }, pool: { min: 0, max: 2 } });
}
