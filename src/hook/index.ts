import { defineHook } from '@directus/extensions-sdk';
import { getRuntime, type HostContext } from '../runtime.js';
import { redactTokenLinks, registerNativeRoutes } from './native-routes.js';

export default defineHook((register, context) => {
	const rt = getRuntime(context as unknown as HostContext);
	register.init('app.before', ({ app }: { app: import('express').Application }) => {
		app.use(redactTokenLinks(rt));
	});
	register.init('routes.before', ({ app }: { app: import('express').Application }) => {
		if (rt.config.nativeRoutes) registerNativeRoutes(app, rt);
	});
	register.init('app.after', () => rt.outbox.start());
});
