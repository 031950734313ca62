// The email change suites' settings profile: one allow-listed confirmation page of a project's
// own, no per-IP reset limit. Files that use it share one host per database.
export const CONFIRM_URL = 'https://app.example.com/confirm-email';

export const EMAIL_CHANGE_ENV: Record<string, string> = {
	USER_LIFECYCLE_EMAIL_CHANGE_URL_ALLOW_LIST: CONFIRM_URL,
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
	USER_LIFECYCLE_RESET_STALL_TIME: '0',
};
