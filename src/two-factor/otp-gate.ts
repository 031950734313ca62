// Two-factor's side of the OTP port (src/shared/otp.ts): the code a passwordless sign-in carries
// goes through the same gate as every other code (the lock, replay protection, the attempt count)
// and, as in the host's sign-in form, a recovery code is taken in its place and spent.
import type { OtpGate } from '../shared/otp.js';
import type { Runtime } from '../shared/runtime.js';
import { InvalidOtpError } from '../shared/util/errors.js';
import { acceptOtp, acceptRecoveryCode, assertAccepted } from './code-gate.js';
import { normalizeRecoveryCode, restoreRecoveryCode } from './recovery-codes.js';
import { findTwoFactorUser } from './users.js';

const nothingToGiveBack = { giveBack: async () => undefined };

/** The runtime's OtpGate: made once per runtime by the entries (getRuntime). */
export function createOtpGate(rt: Runtime): OtpGate {
	return {
		async check(userId, otp) {
			const user = await findTwoFactorUser(rt.knex, { id: userId });
			if (!user?.tfa_secret) return nothingToGiveBack;
			if (normalizeRecoveryCode(otp) !== null) {
				const check = await acceptRecoveryCode(rt, userId, otp);
				assertAccepted(rt, check, () => new InvalidOtpError());
				return { giveBack: () => restoreRecoveryCode(rt.knex, userId, check.hash!, check.spentAt!) };
			}
			assertAccepted(rt, await acceptOtp(rt, userId, user.tfa_secret, otp), () => new InvalidOtpError());
			return nothingToGiveBack;
		},
	};
}
