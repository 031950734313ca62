// Sessions: the signed-in user's own sessions (list, end one, end all others, end all) and one
// user's sessions for whoever may update that user, over the host's `directus_sessions`; every
// ending audited and announced as `user-lifecycle.sessions-ended`.
import type { Capability } from '../shared/capability.js';
import { sessionsRoutes } from './routes.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'sessions-ended': true;
	}
}

export const sessions: Capability = {
	name: 'sessions',
	routes: sessionsRoutes,
};
