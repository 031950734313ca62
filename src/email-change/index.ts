// Email change: a user's own address changes only when the new address confirms it, the old one
// is told (the new address half-masked) and can take it back for 7 days; every other door to a
// user's own `email` refuses; another user's change (an administrator's) is direct, audited and
// told to the old address.
import type { Capability } from '../shared/capability.js';
import { registerEmailGuard } from './guard.js';
import { EMAIL_CHANGE_TEMPLATES } from './mails.js';
import { emailChangeRoutes } from './routes.js';
import { EMAIL_CHANGE_SETTINGS } from './settings.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'email-change-requested': true;
		'email-changed': true;
		'email-change-reverted': true;
	}
}

export const emailChange: Capability = {
	name: 'email-change',
	settings: EMAIL_CHANGE_SETTINGS,
	routes: emailChangeRoutes,
	hooks: registerEmailGuard,
	mailTemplates: EMAIL_CHANGE_TEMPLATES,
};
