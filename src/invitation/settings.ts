// Invitation's settings: the host's own invitation knobs.
import { duration, list, type SettingsOf } from '../shared/config.js';

export const INVITATION_SETTINGS = {
	inviteUrlAllowList: list('USER_INVITE_URL_ALLOW_LIST'),
	inviteTokenTtlMs: duration('USER_INVITE_TOKEN_TTL', '7d'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof INVITATION_SETTINGS> {}
}
