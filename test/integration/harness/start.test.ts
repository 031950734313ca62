// The harness starts the Directus it talks to, not whatever answers on its port: parallel test
// files pick ports at the same moment, and a host that lost its port to another one must not be
// mistaken for it (a test would then run against another file's host and database).
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freePort, startHost } from '../../../scripts/host.mjs';
import { templateOf } from '../../harness/host.js';

describe('starting a test host', () => {
	let impostor: Server;
	let heldPort: number;
	const stops: (() => Promise<unknown>)[] = [];

	afterAll(async () => {
		for (const stop of stops) await stop();
		await new Promise((resolve) => impostor?.close(resolve));
	});

	it('does not take a server that already holds its port for its own, and starts on another port', async () => {
		heldPort = await freePort();
		// Answers every request like a healthy Directus would answer a ping.
		impostor = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('pong'));
		await new Promise<void>((resolve) => impostor.listen(heldPort, '127.0.0.1', resolve));

		const picked: number[] = [];
		const host = await startHost({
			db: 'sqlite',
			template: templateOf('sqlite'),
			pickPort: async () => {
				const port = picked.length === 0 ? heldPort : await freePort();
				picked.push(port);
				return port;
			},
		});
		stops.push(() => host.stop());

		expect(picked.length).toBeGreaterThanOrEqual(2);
		expect(picked[0]).toBe(heldPort);
		expect(new URL(host.url).port).not.toBe(String(heldPort));
		// The host's own health answer names the URL it was started with.
		const login = await fetch(`${host.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }) });
		const token = ((await login.json()) as any).data.access_token;
		const health = (await (await fetch(`${host.url}/server/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
		expect(health.serviceId).toBe(host.url);
		expect(host.logs()).toMatch(/already in use/);
	});

	it('fails plainly, rather than using the impostor, when the port was given', async () => {
		await expect(startHost({ db: 'sqlite', port: heldPort, template: templateOf('sqlite') })).rejects.toThrow(/exited during start-up/);
	});
});
