// The one-time-password port: a TOTP code offered outside the host's login (a passkey sign-in
// without user verification, the proof a passkey's registration or removal asks for) goes through
// two-factor's one code gate (src/two-factor/otp-gate.ts), made by the entries like the password
// gate, so it is counted toward the code lock and accepted once (RFC 6238 §5.2) without the
// capability importing two-factor.
export interface OtpGate {
	/**
	 * Resolves when `otp` is a current code of the user's two-factor app, not accepted before.
	 * Otherwise throws the host's 401 INVALID_OTP (also for a user without two-factor), or its 429
	 * while the user's codes are locked. The attempt is counted before the code is checked.
	 */
	check(userId: string, otp: string): Promise<void>;
}
