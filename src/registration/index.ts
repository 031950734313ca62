// Registration: public sign-up on the host's settings plus ordered rules (deny, pick a role, hold
// for approval), extra fields by allow-list, single-use verification links (revoked by a resend),
// mail through the outbox, and the same answer and stall whatever the email's state.
import type { Capability } from '../shared/capability.js';
import { REGISTRATION_SETTINGS } from './settings.js';
import { forgetColumnLengths } from './columns.js';
import { retryVerificationMail } from './flow.js';
import { registrationGraphql } from './graphql.js';
import { registrationNativeRoutes, registrationRoutes } from './routes.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'registered': true;
		'email-verified': true;
	}
}

export const registration: Capability = {
	name: 'registration',
	settings: REGISTRATION_SETTINGS,
	routes: registrationRoutes,
	nativeRoutes: registrationNativeRoutes,
	graphql: registrationGraphql,
	mailRetry: { 'verify-email': retryVerificationMail },
	hooks: (register, rt) => {
		// A field changed here is checked with its new length by the next registration.
		for (const event of ['fields.create', 'fields.update', 'fields.delete']) register.action(event, () => forgetColumnLengths(rt));
	},
};
