// The notices suites' settings profile: the host reads the client's address from X-Forwarded-For
// (so the tests can sign in from several networks), no per-IP reset limit, no reset stall.
export const NOTICES_ENV: Record<string, string> = {
	IP_TRUST_PROXY: 'true',
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
	USER_LIFECYCLE_RESET_STALL_TIME: '0',
	USER_LIFECYCLE_RESET_MAX_PER_HOUR: '50',
	USER_LIFECYCLE_EMAIL_SIGN_IN: 'true',
	USER_LIFECYCLE_EMAIL_SIGN_IN_STALL_TIME: '0',
	USER_LIFECYCLE_EMAIL_SIGN_IN_IP_MAX_PER_MINUTE: '0',
};
