// The one-time-password port: a sign-in that proves the first factor without a password (an email
// link, a passkey without user verification) must still pass the user's two-factor, through the
// two-factor capability's one code gate (lock, replay protection, attempts counted across
// instances), made by the entries like the password gate, so no capability imports two-factor.
export interface OtpGate {
	/**
	 * Resolves when `otp` — a TOTP code, or a recovery code as the host's sign-in form takes one in
	 * its OTP field — is accepted for `userId` (a TOTP step is recorded, a recovery code spent), or
	 * when the user has no two-factor. Otherwise throws the host's 401 INVALID_OTP, or the code
	 * lock's 429. `giveBack` returns a spent recovery code when the sign-in it paid for fails after.
	 */
	check(userId: string, otp: string): Promise<{ giveBack(): Promise<void> }>;
}
