// Email sign-in (passwordless by mail, off unless USER_LIFECYCLE_EMAIL_SIGN_IN=true): a link and a
// 6-digit code per request, through the outbox in the user's language, under the per-address mail
// throttle; single use, 10 minutes, ended by the next request, by five wrong tries, and with the
// status and email it was issued for; two-factor never skipped; a host session as the host's
// login opens one; audited.
import type { Capability } from '../shared/capability.js';
import { onEmailWritten } from '../shared/link-state.js';
import type { Runtime } from '../shared/runtime.js';
import { drain } from '../shared/util/batch.js';
import { SIGN_IN_MAIL } from './mail.js';
import { emailSignInRoutes } from './routes.js';
import { EMAIL_SIGN_IN_SETTINGS } from './settings.js';
import { EMAIL_SIGN_IN_MIGRATIONS, endOpenRequests, pruneSignInRequests } from './store.js';

// The `user-lifecycle.<step>` event this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'email-sign-in': true;
	}
}

/** Requests are kept a day past their expiry (the audit trail keeps the sign-ins). */
async function pruneOldRequests(rt: Runtime, now: number) {
	return { prunedSignInRequests: await drain((limit) => pruneSignInRequests(rt.knex, now - 86_400_000, limit), rt.config.scheduleBatchSize) };
}

export const emailSignIn: Capability = {
	name: 'email-sign-in',
	settings: EMAIL_SIGN_IN_SETTINGS,
	routes: emailSignInRoutes,
	hooks: (register, rt) => onEmailWritten(register, rt, 'sign-in links', (knex, userIds) => endOpenRequests(knex, userIds)),
	job: pruneOldRequests,
	migrations: EMAIL_SIGN_IN_MIGRATIONS,
	// No mailRetry: the outbox's "send again" is refused for these mails; a link lasts minutes and asking again is one click.
	mailTemplates: [SIGN_IN_MAIL],
};
