// The code port: a code from the user's authenticator app taken as a proof of identity outside
// two-factor's own routes (an email change), checked by two-factor's one code gate (its lock,
// replay protection, attempts counted across instances) without importing two-factor. Made by
// the entries, like the password gate.
export interface CodeGate {
	/**
	 * Resolves when `otp` is the user's current code, which is then spent (a replay is refused).
	 * Otherwise throws two-factor's answer: 400 for a wrong code or a user without two-factor, 429
	 * while the user's codes are locked.
	 */
	checkOtp(userId: string, otp: string): Promise<void>;
}
