// The host's own Users page, told what the extension knows of a user: an alias field on
// directus_users (added once on the first start, src/bundle/users-page-field.ts) shows this panel
// in the user's form: a suspension's end, a running login lock, and a link to the account in
// the module.
import { defineInterface } from '@directus/extensions-sdk';
import AccountPanel from './account-panel.vue';

export default defineInterface({
	id: 'user-lifecycle-account',
	name: 'User lifecycle',
	icon: 'verified_user',
	description: "The account's suspension end, login lock and a link to it in the User lifecycle module",
	component: AccountPanel,
	options: null,
	types: ['alias'],
	localTypes: ['presentation'],
	group: 'presentation',
	hideLabel: true,
});
