// Password reset: single-use, short-lived reset links (a JWT the Data Studio can read, made single
// use by a hashed `jti`), each request killing the links before it, the per-address mail throttle, mail
// through the outbox, the same answer and stall whatever the email; a link dies with the status
// and email it was issued for; a reset ends every session and is audited.
import type { Capability } from '../shared/capability.js';
import { PASSWORD_RESET_SETTINGS } from './settings.js';
import { passwordResetGraphql } from './graphql.js';
import { passwordResetNativeRoutes, passwordResetRoutes } from './routes.js';
import { registerEmailChangeRevocation } from './link-state.js';
import { retryResetMail } from './flow.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'password-reset': true;
	}
}

export const passwordReset: Capability = {
	name: 'password-reset',
	settings: PASSWORD_RESET_SETTINGS,
	routes: passwordResetRoutes,
	nativeRoutes: passwordResetNativeRoutes,
	graphql: passwordResetGraphql,
	hooks: registerEmailChangeRevocation,
	mailRetry: { 'password-reset': (rt, recipient) => retryResetMail(rt, recipient) },
};
