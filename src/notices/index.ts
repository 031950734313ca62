// Security notices: a mail when the account is signed in to from a new device, its password
// changes, two-factor is turned off, recovery codes are made or used, a passkey is added or
// removed (USER_LIFECYCLE_NOTICES picks which), each with a "this wasn't me" link; the signed-in
// user's recent sign-ins. (The email change tells the old address itself, with its revert link.)
import type { Capability } from '../shared/capability.js';
import type { Runtime } from '../shared/runtime.js';
import { drain } from '../shared/util/batch.js';
import { registerNoticeListeners } from './hooks.js';
import { NOTICE_TEMPLATES } from './mails.js';
import { noticeRoutes } from './routes.js';
import { NOTICES_SETTINGS } from './settings.js';
import { NOTICE_MIGRATIONS, pruneNoticeRecords } from './store.js';

// The `user-lifecycle.<step>` event this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'not-me': true;
	}
}

async function pruneOldSignIns(rt: Runtime, now: number) {
	return { prunedSignIns: await drain((limit) => pruneNoticeRecords(rt.knex, now, limit), rt.config.scheduleBatchSize) };
}

export const notices: Capability = {
	name: 'notices',
	settings: NOTICES_SETTINGS,
	routes: noticeRoutes,
	hooks: registerNoticeListeners,
	job: pruneOldSignIns,
	migrations: NOTICE_MIGRATIONS,
	mailTemplates: NOTICE_TEMPLATES,
};
