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
	/**
	 * The second factor of a sign-in without a password (an email link): what the host's sign-in
	 * form takes in its OTP field, a TOTP code as `check` takes it or a recovery code, spent through
	 * the same gate. `giveBack` returns a spent recovery code when the sign-in it paid for fails
	 * after. Refused as `check` refuses.
	 */
	checkSignIn(userId: string, otp: string): Promise<{ giveBack(): Promise<void> }>;
}
