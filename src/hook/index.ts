import { defineHook } from '@directus/extensions-sdk';
import type { Application } from 'express';
import { getRuntime, refreshHostSchema, type HostContext } from '../runtime.js';
import { AUDIT_TABLE } from '../store/audit.js';
import { OUTBOX_TABLE } from '../store/outbox.js';
import { registerGuard } from './guard.js';
import { registerReadOnlyCollections } from './read-only-collections.js';
import { redactTokenLinks, registerNativeRoutes } from './native-routes.js';
import { registerSchedule } from './schedule.js';
import { registerTwoFactorLoginHooks } from './two-factor-login.js';

export default defineHook((register, context) => {
	const rt = getRuntime(context as unknown as HostContext);
	// Before the host's request logger: links that carry a token never reach a log line.
	register.init('app.before', async (meta: Record<string, any>) => {
		(meta['app'] as Application).use(redactTokenLinks(rt));
		// The host awaits this: no request is served before our tables exist and its schema shows them.
		try {
			await rt.ready;
			await refreshHostSchema(rt);
		} catch (error) {
			rt.logger.error(error, '[user-lifecycle] start-up schema work failed');
		}
	});
	register.init('routes.before', (meta: Record<string, any>) => {
		if (rt.config.nativeRoutes) registerNativeRoutes(meta['app'] as Application, rt);
	});
	register.init('app.after', () => rt.outbox.start());
	registerReadOnlyCollections(register, [AUDIT_TABLE, OUTBOX_TABLE]);
	registerGuard(register, rt);
	registerTwoFactorLoginHooks(register, rt);
	registerSchedule(register, rt);
});
