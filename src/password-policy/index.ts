// The password policy: wherever a password is set (registration, invite accept and reset on every
// door, a user's own change, an admin's create and update, GraphQL, Flows, other extensions), at
// least USER_LIFECYCLE_PASSWORD_MIN_LENGTH code points after NFKC and at most 256, not one of the
// shipped common passwords nor of the project's file, without the owner's or project's words, and
// matching the host's `auth_password_policy`; refused with 400 PASSWORD_POLICY naming the rule. Our
// flows ask the policy (the runtime's `passwordPolicy`, made here) before they look anyone up; the
// host's services meet it in their `users.*` filters.
import type { Capability } from '../shared/capability.js';
import { registerPasswordFilters } from './hooks.js';
import { PASSWORD_POLICY_SETTINGS } from './settings.js';

export const passwordPolicy: Capability = {
	name: 'password-policy',
	settings: PASSWORD_POLICY_SETTINGS,
	hooks: registerPasswordFilters,
};
