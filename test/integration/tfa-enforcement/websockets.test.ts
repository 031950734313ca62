// Two-factor enforcement on the host's WebSockets (WEBSOCKETS_ENABLED): a user whose policy
// enforces two-factor and who has none reads nothing through the REST socket (whatever
// authenticated it), the GraphQL socket or the logs socket, until two-factor is on.
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../../../scripts/host.mjs';
import { availableDatabases, PASSWORD, startTestHost, type TestHost } from '../../harness/host.js';
import { SHORT_LOGIN_STALL } from '../../harness/profiles.js';
import { enableTfa } from '../two-factor/helpers.js';

type Message = Record<string, any>;

/** A socket whose messages are read one at a time, in order. */
async function openSocket(url: string, protocol?: string) {
	const socket = new WebSocket(url, protocol);
	const inbox: Message[] = [];
	const waiting: ((message: Message | null) => void)[] = [];
	let closed = false;
	socket.on('message', (data) => {
		const message = JSON.parse(String(data)) as Message;
		const waiter = waiting.shift();
		if (waiter) waiter(message);
		else inbox.push(message);
	});
	socket.on('close', () => {
		closed = true;
		for (const waiter of waiting.splice(0)) waiter(null);
	});
	await new Promise((resolve, reject) => {
		socket.once('open', resolve);
		socket.once('error', reject);
	});
	return {
		send: (message: Message) => socket.send(JSON.stringify(message)),
		/** The next message (heartbeats skipped), or null when the socket closed or nothing came within `ms`. */
		next: async (ms = 5000): Promise<Message | null> => {
			for (;;) {
				const message =
					inbox.shift() ??
					(closed
						? null
						: await new Promise<Message | null>((resolve) => {
								const timer = setTimeout(() => resolve(null), ms);
								waiting.push((m) => {
									clearTimeout(timer);
									resolve(m);
								});
							}));
				if (message && message['type'] === 'ping') continue;
				return message;
			}
		},
		close: () => socket.close(),
	};
}

describe.each(await availableDatabases())('two-factor enforcement on WebSockets on %s', (db) => {
	let host: TestHost;
	let enforcedRole: string;
	let freeRole: string;
	const ws = () => host.url.replace(/^http/, 'ws');
	let seq = 0;
	const newEmail = () => `ws.${db}.${++seq}@example.com`;

	beforeAll(async () => {
		host = await startTestHost({ db, ...SHORT_LOGIN_STALL });
		// The REST socket serves no system collection: a project's own.
		const notes = await host.admin('POST', '/collections', {
			collection: 'ws_notes',
			schema: {},
			fields: [
				{ field: 'id', type: 'integer', meta: { hidden: true }, schema: { is_primary_key: true, has_auto_increment: true } },
				{ field: 'title', type: 'string' },
			],
		});
		expect(notes.status).toBe(200);
		expect((await host.admin('POST', '/items/ws_notes', { title: 'only for the second factor' })).status).toBe(200);
		const readNotes = [{ collection: 'ws_notes', action: 'read' }];
		freeRole = await host.createApiRole('WS readers', readNotes);
		enforcedRole = await host.createApiRole('WS readers who must use 2FA', readNotes);
		const policy = await host.admin('POST', '/policies', { name: 'WS must use 2FA', app_access: false, admin_access: false, enforce_tfa: true });
		expect(policy.status).toBe(200);
		expect((await host.admin('POST', '/access', { role: enforcedRole, policy: policy.body.data.id })).status).toBe(200);
	});
	afterAll(async () => {
		await host?.stop();
	});

	/** The logs socket (admins only) takes a token to open (`?access_token=`): whether `token` opens it. */
	const logsOpen = async (token: string) =>
		openSocket(`${ws()}/websocket/logs?access_token=${token}`).then(
			(socket) => (socket.close(), true),
			() => false,
		);
	/** The answer to signing in again, with `auth`, on a logs socket the project's admin opened. */
	const logsAuth = async (auth: Message) => {
		const socket = await openSocket(`${ws()}/websocket/logs?access_token=${host.adminToken}`);
		try {
			socket.send({ type: 'auth', ...auth });
			return await socket.next();
		} finally {
			socket.close();
		}
	};
	/** A fresh refresh token of `email` (the host's JSON login). */
	const refreshToken = async (email: string) => {
		const res = await host.login(email, PASSWORD);
		expect(res.status).toBe(200);
		return res.body.data.refresh_token as string;
	};

	/** Reads users over the REST socket after authenticating with `auth`: the first answer. */
	const restRead = async (auth: Message) => {
		const socket = await openSocket(`${ws()}/websocket`);
		try {
			socket.send({ type: 'auth', ...auth });
			const authed = await socket.next();
			if (authed?.['status'] !== 'ok') return { authed, read: null };
			socket.send({ type: 'items', collection: 'ws_notes', action: 'read', query: { fields: ['title'] }, uid: 'read' });
			return { authed, read: await socket.next() };
		} finally {
			socket.close();
		}
	};
	/** Subscribes to users over the GraphQL socket: whether the connection is acknowledged, and what came. */
	const graphqlConnect = async (token: string) => {
		const socket = await openSocket(`${ws()}/graphql`, 'graphql-transport-ws');
		try {
			socket.send({ type: 'connection_init', payload: { access_token: token } });
			return await socket.next();
		} finally {
			socket.close();
		}
	};

	it('a user free of the rule reads over both sockets (the control)', async () => {
		const { token } = await host.createApiUser(freeRole, newEmail());
		const { authed, read } = await restRead({ access_token: token });
		expect(authed?.['status']).toBe('ok');
		expect(read).toMatchObject({ type: 'items', data: [{ title: 'only for the second factor' }] });
		expect((await graphqlConnect(token))?.['type']).toBe('connection_ack');
	});

	it("the logs socket (admins only): an admin who must set up two-factor can't open it nor sign in on it, by token or password; one who needn't can", async () => {
		expect(await logsAuth({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).toMatchObject({ type: 'auth', status: 'ok' });
		const policy = await host.admin('POST', '/policies', { name: 'WS admins', app_access: true, admin_access: true });
		const role = await host.admin('POST', '/roles', { name: 'WS admins who must use 2FA' });
		expect((await host.admin('POST', '/access', { role: role.body.data.id, policy: policy.body.data.id })).status).toBe(200);
		const enforcing = (await host.admin('GET', '/policies?filter[name][_eq]=WS must use 2FA&fields=id')).body.data[0].id;
		expect((await host.admin('POST', '/access', { role: role.body.data.id, policy: enforcing })).status).toBe(200);
		const email = newEmail();
		const { token } = await host.createApiUser(role.body.data.id, email);
		expect(await logsOpen(host.adminToken)).toBe(true);
		expect(await logsOpen(token)).toBe(false);
		expect(await logsAuth({ email, password: PASSWORD })).toMatchObject({ type: 'auth', status: 'error', error: { code: 'AUTH_FAILED' } });
		expect(await logsAuth({ access_token: token })).toMatchObject({ type: 'auth', status: 'error', error: { code: 'AUTH_FAILED' } });
		await enableTfa(host, token);
		expect(await logsOpen(token)).toBe(true);
		expect(await logsAuth({ access_token: token })).toMatchObject({ type: 'auth', status: 'ok' });
	});

	it('a user who must set up two-factor: token and password refused at authentication, the messages of a socket opened with a refresh token refused, until two-factor is on', async () => {
		const email = newEmail();
		const { token } = await host.createApiUser(enforcedRole, email);
		// An access token: refused at authentication, on the REST socket and the GraphQL socket.
		const byToken = await restRead({ access_token: token });
		expect(byToken.authed).toMatchObject({ type: 'auth', status: 'error', error: { code: 'AUTH_FAILED' } });
		expect(byToken.read).toBeNull();
		const gql = await graphqlConnect(token);
		expect(gql).toMatchObject({ status: 'error', error: { code: 'AUTH_FAILED' } });
		// Email and password: refused at authentication too.
		const byPassword = await restRead({ email, password: PASSWORD });
		expect(byPassword.authed).toMatchObject({ type: 'auth', status: 'error', error: { code: 'AUTH_FAILED' } });
		expect(byPassword.read).toBeNull();
		// A refresh token names no user before the host spends it: the socket opens, what it asks for is refused.
		const byRefresh = await restRead({ refresh_token: await refreshToken(email) });
		expect(byRefresh.authed?.['status']).toBe('ok');
		expect(byRefresh.read).toMatchObject({ status: 'error', error: { code: 'TFA_REQUIRED' } });
		expect(JSON.stringify(byRefresh.read)).not.toContain('only for the second factor');
		// A subscription too.
		const socket = await openSocket(`${ws()}/websocket`);
		socket.send({ type: 'auth', refresh_token: await refreshToken(email) });
		expect((await socket.next())?.['status']).toBe('ok');
		socket.send({ type: 'subscribe', collection: 'ws_notes', uid: 'sub' });
		expect(await socket.next()).toMatchObject({ status: 'error', error: { code: 'TFA_REQUIRED' } });
		socket.close();

		// A static token is exempt, as over HTTP (USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS=false).
		const staticToken = `static-${db}-${seq}-${Date.now()}`;
		expect((await host.admin('PATCH', `/users/${(await host.userByEmail(email)).id}`, { token: staticToken })).status).toBe(200);
		expect((await restRead({ access_token: staticToken })).read).toMatchObject({ type: 'items', data: [{ title: 'only for the second factor' }] });

		// Once two-factor is on, both sockets serve the user (a new token: the old one still works too).
		await enableTfa(host, token);
		const after = await restRead({ access_token: token });
		expect(after.read).toMatchObject({ type: 'items', data: [{ title: 'only for the second factor' }] });
		expect((await graphqlConnect(token))?.['type']).toBe('connection_ack');
	});
});
