import { defineEndpoint } from '@directus/extensions-sdk';
import { getRuntime, type HostContext } from '../runtime.js';
import { registerCapabilityRoutes } from './routes.js';

export default defineEndpoint({
	id: 'user-lifecycle',
	handler: (router, context) => {
		const rt = getRuntime(context as unknown as HostContext);
		registerCapabilityRoutes(router, rt);
	},
});
