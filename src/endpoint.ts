// The endpoint entry (`/user-lifecycle`): every capability's routes, behind the one wait for the
// extension's tables.
import { defineEndpoint } from '@directus/extensions-sdk';
import { CAPABILITIES, START_UP } from './capabilities.js';
import { badPathParameters, whenReady } from './bundle/requests.js';
import { getRuntime, type HostContext } from './shared/runtime.js';

export default defineEndpoint({
	id: 'user-lifecycle',
	handler: (router, context) => {
		const rt = getRuntime(context as unknown as HostContext, START_UP);
		router.use(whenReady(rt.ready));
		for (const capability of CAPABILITIES) capability.routes?.(router, rt);
		router.use(badPathParameters());
	},
});
