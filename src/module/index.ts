// The Data Studio module: "Security" for every signed-in user, and the tools for whoever the host
// lets manage users. It talks only to the extension's routes and the host's, through the app's
// own API client (the signed-in user's session and permissions).
import { defineModule } from '@directus/extensions-sdk';
import AccountsPage from './pages/accounts.vue';
import AuditPage from './pages/audit.vue';
import InvitationsPage from './pages/invitations.vue';
import OutboxPage from './pages/outbox.vue';
import SecurityPage from './pages/security.vue';

export default defineModule({
	id: 'user-lifecycle',
	name: 'User lifecycle',
	icon: 'verified_user',
	routes: [
		{ path: '', redirect: '/user-lifecycle/security' },
		{ path: 'security', component: SecurityPage },
		{ path: 'invitations', component: InvitationsPage },
		{ path: 'accounts', component: AccountsPage },
		{ path: 'audit', component: AuditPage },
		{ path: 'outbox', component: OutboxPage },
	],
});
