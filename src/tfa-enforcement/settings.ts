// Two-factor enforcement's settings.
import { boolean, type SettingsOf } from '../shared/config.js';

export const TFA_ENFORCEMENT_SETTINGS = {
	/** Refuse data requests of users whose policies enforce two-factor and who have none. */
	enforceTfa: boolean('USER_LIFECYCLE_ENFORCE_TFA', 'true'),
	/** Enforcement also for the users' static tokens. */
	enforceTfaStaticTokens: boolean('USER_LIFECYCLE_ENFORCE_TFA_STATIC_TOKENS', 'false'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof TFA_ENFORCEMENT_SETTINGS> {}
}
