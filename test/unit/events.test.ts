// Lifecycle events go to every emitter that has someone listening, and are not built at all for
// emitters that have nobody (a 1,000-user bulk update makes 1,000 of them).
import { describe, expect, it } from 'vitest';
import { hasListeners, LifecycleEvents } from '../../src/shared/events.js';

function fakeEmitter(listeners: number, any = 0) {
	const sent: { event: string; meta: Record<string, unknown> }[] = [];
	return {
		sent,
		emitAction: (event: string, meta: Record<string, unknown>) => void sent.push({ event, meta }),
		countActionListeners: () => listeners,
		actionEmitter: { listenersAny: () => Array.from({ length: any }) },
	};
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 50));
const logger = { warn: () => undefined };

describe('lifecycle events', () => {
	it('hasListeners counts named and wildcard handlers and onAny ones; an emitter that cannot tell is taken to listen', () => {
		expect(hasListeners(fakeEmitter(0), 'user-lifecycle.status-changed')).toBe(false);
		expect(hasListeners(fakeEmitter(1), 'user-lifecycle.status-changed')).toBe(true);
		expect(hasListeners(fakeEmitter(0, 1), 'user-lifecycle.status-changed')).toBe(true);
		expect(hasListeners({ emitAction: () => undefined }, 'user-lifecycle.status-changed')).toBe(true);
		const throwing = { emitAction: () => undefined, countActionListeners: () => { throw new Error('no'); } };
		expect(hasListeners(throwing, 'user-lifecycle.status-changed')).toBe(true);
	});

	it('sends each payload, without secrets, only to the emitters someone listens on', async () => {
		const local = fakeEmitter(1);
		const events = new LifecycleEvents(local, logger);
		// No host emitter in a unit test: the extensions' bus alone.
		(events as unknown as { host: Promise<unknown> }).host = Promise.resolve(fakeEmitter(0));
		events.emit('status-changed', [
			{ user: 'u1', actor: null, via: 'api', from: 'active', to: 'suspended', token: 'secret-token' },
			{ user: 'u2', actor: null, via: 'api', from: 'active', to: 'suspended' },
		]);
		await flush();
		expect(local.sent.map((s) => s.meta['user'])).toEqual(['u1', 'u2']);
		expect(local.sent.every((s) => s.event === 'user-lifecycle.status-changed' && !('token' in s.meta))).toBe(true);

		const host = fakeEmitter(0);
		const quiet = fakeEmitter(0);
		const silent = new LifecycleEvents(quiet, logger);
		(silent as unknown as { host: Promise<unknown> }).host = Promise.resolve(host);
		silent.emit('status-changed', { user: 'u3', actor: null, via: 'api' });
		await flush();
		expect(host.sent).toHaveLength(0);
		expect(quiet.sent).toHaveLength(0);
	});
});
