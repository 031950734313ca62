// The hook entry (`user-lifecycle-guard`): start-up (tables, the host's schema cache, token
// redaction in logs), the host's own routes the capabilities serve, their hooks, the read-only
// studio collections and the lifecycle schedule.
import { defineHook } from '@directus/extensions-sdk';
import type { EventContext, RegisterFunctions } from '@directus/types';
import type { Application } from 'express';
import { CAPABILITIES, START_UP } from './capabilities.js';
import { graphqlMutations } from './bundle/graphql-door.js';
import { badPathParameters, canonicalPaths, hostQueryReader, refuseUnreadableTokens, unreadableQueries, whenReady } from './bundle/requests.js';
import { noteOwnFilter } from './shared/events.js';
import { getRuntime, refreshHostSchema, type HostContext, type Runtime } from './shared/runtime.js';
import { pruneSharedTables, registerSchedule, type Job } from './bundle/schedule.js';
import { registerReadOnlyCollections, studioCollections } from './shared/studio-collections.js';
import { redactTokenLinks } from './bundle/log-redaction.js';
import { markStudioClient } from './shared/request-client.js';

export default defineHook((register, context) => {
	const rt = getRuntime(context as unknown as HostContext, START_UP);
	// Before the host's request logger: links that carry a token never reach a log line.
	register.init('app.before', async (meta: Record<string, any>) => {
		(meta['app'] as Application).use(canonicalPaths());
		(meta['app'] as Application).use(redactTokenLinks());
		(meta['app'] as Application).use(markStudioClient());
		(meta['app'] as Application).use(refuseUnreadableTokens(rt.config.loginCookies.session.name));
		// The host awaits this: no request is served before our tables exist and its schema shows them.
		try {
			await rt.ready;
			await refreshHostSchema(rt);
		} catch (error) {
			rt.logger.error(error, '[user-lifecycle] start-up schema work failed');
		}
	});
	register.init('routes.before', (meta: Record<string, any>) => {
		const app = meta['app'] as Application;
		app.use(unreadableQueries(hostQueryReader()));
		for (const capability of CAPABILITIES) capability.requestGuards?.(app, rt);
		if (!rt.config.nativeRoutes) return;
		app.use(whenReady(rt.ready));
		const mutations = new Map(CAPABILITIES.flatMap((capability) => Object.entries(capability.graphql?.(rt) ?? {})));
		app.use(graphqlMutations(mutations, (error) => rt.logger.error(error, '[user-lifecycle] GraphQL mutation failed')));
		for (const capability of CAPABILITIES) capability.nativeRoutes?.(app, rt);
		app.use(badPathParameters());
	});
	registerReadOnlyCollections(register, studioCollections(START_UP.studioCollections));
	const hooks = afterReady(register, rt);
	for (const capability of CAPABILITIES) capability.hooks?.(hooks, rt);
	const jobs: Job[] = [...CAPABILITIES.flatMap((capability) => (capability.job ? [capability.job] : [])), pruneSharedTables];
	registerSchedule(register, rt, jobs);
});

/**
 * The host's register functions, with every filter and action waiting for the extension's tables
 * first. Once they exist a handler is called straight away: the host calls some filters once per
 * row (`activity.create` on a 1,000-user bulk update), where an extra async step per call shows.
 */
function afterReady(register: RegisterFunctions, rt: Runtime): RegisterFunctions {
	let isReady = false;
	void rt.ready.then(() => (isReady = true), () => undefined);
	return {
		...register,
		filter: (event, handler) => {
			const registered = (payload: unknown, meta: Record<string, any>, ctx: EventContext) =>
				isReady ? handler(payload as never, meta, ctx) : rt.ready.then(() => handler(payload as never, meta, ctx));
			noteOwnFilter(registered, handler);
			register.filter(event, registered);
		},
		action: (event, handler) =>
			register.action(event, (meta, ctx) => (isReady ? handler(meta, ctx) : rt.ready.then(() => handler(meta, ctx)))),
	};
}
