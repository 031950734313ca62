// The password reset suites' settings profile: one allow-listed reset page, a stall long enough to
// measure, no per-IP limit. Files that use it share one host per database (see test/harness/host.ts).
export const RESET_URL = 'https://app.example.com/reset';
export const STALL = 400;

export const RESET_ENV: Record<string, string> = {
	PASSWORD_RESET_URL_ALLOW_LIST: RESET_URL,
	USER_LIFECYCLE_RESET_STALL_TIME: String(STALL),
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
};
