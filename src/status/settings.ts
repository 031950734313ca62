// The status guard's settings: the transition table, as overrides of the default one, and its
// prepared statements.
import { boolean, json, type SettingsOf } from '../shared/config.js';
import { parseTransitions } from './transitions.js';

export const STATUS_SETTINGS = {
	transitions: json('USER_LIFECYCLE_TRANSITIONS', '{}', parseTransitions),
	/** USER_LIFECYCLE_DB_PREPARED_STATEMENTS: PostgreSQL's named statements for the guard's per-write statements (prepared.ts); false behind a pooler that loses them. */
	preparedStatements: boolean('USER_LIFECYCLE_DB_PREPARED_STATEMENTS', 'true'),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof STATUS_SETTINGS> {}
}
