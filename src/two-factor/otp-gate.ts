// `rt.otps`: a code another capability takes (see shared/otps.ts), through the same gate as every
// code of ours: lock checked, attempt counted, step accepted once. Refused as the host's login
// refuses a code: 401 INVALID_OTP.
import type { OtpGate } from '../shared/otps.js';
import type { Runtime } from '../shared/runtime.js';
import { InvalidOtpError } from '../shared/util/errors.js';
import { acceptOtp, acceptRecoveryCode, assertAccepted } from './code-gate.js';
import { normalizeRecoveryCode, restoreRecoveryCode } from './recovery-codes.js';
import { findTwoFactorUser } from './users.js';

export function createOtpGate(rt: Runtime): OtpGate {
	const check: OtpGate['check'] = async (userId, otp) => {
		const user = await findTwoFactorUser(rt.knex, { id: userId });
		if (!user?.tfa_secret) throw new InvalidOtpError();
		assertAccepted(rt, await acceptOtp(rt, userId, user.tfa_secret, otp), () => new InvalidOtpError());
	};
	return {
		check,
		// A recovery code in the OTP field, as in the host's sign-in form (recovery-otp-login.ts): never a 6-digit TOTP's shape.
		async checkSignIn(userId, otp) {
			if (normalizeRecoveryCode(otp) === null) {
				await check(userId, otp);
				return { giveBack: async () => undefined };
			}
			const user = await findTwoFactorUser(rt.knex, { id: userId });
			if (!user?.tfa_secret) throw new InvalidOtpError();
			const spent = await acceptRecoveryCode(rt, userId, otp);
			assertAccepted(rt, spent, () => new InvalidOtpError());
			return { giveBack: () => restoreRecoveryCode(rt.knex, userId, spent.hash!, spent.spentAt!) };
		},
	};
}
