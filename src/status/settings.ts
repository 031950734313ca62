// The status guard's settings: the transition table, as overrides of the default one.
import { json, type SettingsOf } from '../shared/config.js';
import { parseTransitions } from './transitions.js';

export const STATUS_SETTINGS = {
	transitions: json('USER_LIFECYCLE_TRANSITIONS', '{}', parseTransitions),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof STATUS_SETTINGS> {}
}
