// Email change's one setting: where a `confirm_url` may point (a project's own confirmation page).
import { list, type SettingsOf } from '../shared/config.js';

export const EMAIL_CHANGE_SETTINGS = {
	/** USER_LIFECYCLE_EMAIL_CHANGE_URL_ALLOW_LIST: the pages a confirmation link may open (host matching rules). */
	emailChangeUrlAllowList: list('USER_LIFECYCLE_EMAIL_CHANGE_URL_ALLOW_LIST'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof EMAIL_CHANGE_SETTINGS> {}
}
