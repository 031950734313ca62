// The host's own login counter, left aside while the timed lock runs. The host reads
// `auth_login_attempts` on every password login and counts each attempt that reaches its password
// check in its rate limiter store, without a window and across our lock periods: ten wrong
// passwords, a lock, ten more, a lock, five more, and at its 25 (the setting's default in every new
// project) it writes `status: suspended` with a raw query — the permanent lock-out the timed lock
// replaces, reached anyway. It also suspends while the login under way goes on and succeeds, so a
// right password sent beside it on another instance is refused (services/authentication.js, v12.4).
// While the timed lock is on, the host's one read of that setting (no accountability, that one
// field) reads it empty; the Data Studio and every other reader still see the admin's value.
// `USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS=0` turns the timed lock off and gives the host's counter back.
import type { RegisterFunctions } from '@directus/types';
import type { Runtime } from '../shared/runtime.js';

const HOST_SETTING = 'auth_login_attempts';

/** Whether a settings read is the host's login reading its own counter's limit. */
export function isHostCounterRead(query: unknown, accountability: unknown): boolean {
	if (accountability !== null && accountability !== undefined) return false;
	const fields = (query as { fields?: unknown } | null)?.fields;
	return Array.isArray(fields) && fields.length === 1 && fields[0] === HOST_SETTING;
}

export function leaveHostCounterAside(register: RegisterFunctions, rt: Runtime): void {
	let told = false;
	register.filter('settings.read', (records, meta, context) => {
		if (!Array.isArray(records) || !isHostCounterRead(meta['query'], context.accountability)) return records;
		return records.map((record: Record<string, unknown>) => {
			if (record?.[HOST_SETTING] === null || record?.[HOST_SETTING] === undefined) return record;
			if (!told) {
				told = true;
				rt.logger.info(`[user-lifecycle] the host's ${HOST_SETTING} (${String(record[HOST_SETTING])}) is left aside: the timed login lock counts wrong passwords instead (USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS=0 gives the host's back)`);
			}
			return { ...record, [HOST_SETTING]: null };
		});
	});
}
