// Settings profiles that several integration files share: a file that asks for one of these gets
// the host another file of its worker already started with it (see startTestHost). A profile
// holds what its files need together; each file keeps its data apart (its own emails and roles).
// Spread one into startTestHost's options (`{ db, ...PROFILE }`): only `env` and `extraExtensions`
// reach the host; the other fields are what the files read of it.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** What the event recorder fixture heard, one file per test worker (so its files share a host). */
const recorded = join(mkdtempSync(join(tmpdir(), 'ul-events-')), 'events.jsonl');
export function recordedEvents(): { event: string; payload: Record<string, any>; [key: string]: any }[] {
	return existsSync(recorded) ? readFileSync(recorded, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

/** Two-factor and plain API files: a short login stall, WebSockets on (no heartbeat), the defaults otherwise (five codes, ten passwords). */
export const SHORT_LOGIN_STALL = { env: { LOGIN_STALL_TIME: '50', WEBSOCKETS_ENABLED: 'true', WEBSOCKETS_HEARTBEAT_ENABLED: 'false' } };

const DOORS_RULES = [
	{ filter: { email: { _ends_with: '@denied.example.com' } }, action: 'deny' },
	{ filter: { email: { _ends_with: '@review.example.com' } }, action: 'allow', status: 'draft' },
];
/** Registration's doors: a short stall, the reset mail throttle at 3 an hour, two rules (deny, hold as draft). */
const MAILS_PER_HOUR = 3;
export const REGISTRATION_DOORS = {
	mailsPerHour: MAILS_PER_HOUR,
	env: { REGISTER_STALL_TIME: '50', USER_LIFECYCLE_RESET_MAX_PER_HOUR: String(MAILS_PER_HOUR), USER_LIFECYCLE_REGISTER_RULES: JSON.stringify(DOORS_RULES) },
};

const INVITE_URL = 'https://app.example.com/accept';
/** Invitations: one allow-listed accept page, an hour's tokens, no scheduled run, a project's blocklist hook. */
export const INVITATIONS = {
	inviteUrl: INVITE_URL,
	extraExtensions: [fixture('directus-extension-project-blocklist')],
	env: { USER_INVITE_URL_ALLOW_LIST: INVITE_URL, USER_INVITE_TOKEN_TTL: '1h', USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *' },
};

/** Accounts that stay locked: three wrong passwords lock for an hour (never lifting by itself during a test); short stalls; events recorded. */
const LOCK_AFTER = 3;
export const LOCKED_FOR_AN_HOUR = {
	maxAttempts: LOCK_AFTER,
	extraExtensions: [fixture('directus-extension-event-recorder')],
	env: { EVENT_RECORDER_FILE: recorded, LOGIN_STALL_TIME: '50', REGISTER_STALL_TIME: '50', USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: String(LOCK_AFTER), USER_LIFECYCLE_LOGIN_LOCK_DURATION: '1h' },
};

/** Lifecycle events and the outbox: events recorded, a project's blocklist hook, short outbox retries, no scheduled run. */
export const EVENTS_AND_OUTBOX = {
	extraExtensions: [fixture('directus-extension-event-recorder'), fixture('directus-extension-project-blocklist')],
	env: {
		EVENT_RECORDER_FILE: recorded,
		REGISTER_STALL_TIME: '50',
		USER_LIFECYCLE_SCHEDULE: '0 0 1 1 *',
		USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '2',
		USER_LIFECYCLE_OUTBOX_BACKOFF: '200ms',
		USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '200ms',
	},
};

/** Account status: the schedule every second, and a project's hook that hears status changes (it leaves other users alone). */
export const STATUS_EVERY_SECOND = {
	extraExtensions: [fixture('directus-extension-status-listener')],
	env: { USER_LIFECYCLE_SCHEDULE: '*/1 * * * * *' },
};
