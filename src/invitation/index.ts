// Invitations: revocable single-use invite links (a JWT the Data Studio can read, made single use
// by a hashed `jti` in the token store), re-invites that revoke the old link, bulk invites in one
// transaction, the host deciding who may invite, mails through the outbox, and expired
// invitations archived by the schedule.
import type { Capability } from '../shared/capability.js';
import { INVITATION_SETTINGS } from './settings.js';
import { invitationGraphql } from './graphql.js';
import { retryInvitationMail } from './flow.js';
import { archiveExpiredInvitations } from './job.js';
import { invitationNativeRoutes, invitationRoutes } from './routes.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'invited': true;
		'invite-accepted': true;
		'invite-revoked': true;
	}
}

export const invitation: Capability = {
	name: 'invitation',
	settings: INVITATION_SETTINGS,
	routes: invitationRoutes,
	nativeRoutes: invitationNativeRoutes,
	graphql: invitationGraphql,
	job: archiveExpiredInvitations,
	mailRetry: { invite: retryInvitationMail },
};
