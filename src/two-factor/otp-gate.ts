// `rt.otps`: a code another capability takes (see shared/otps.ts), through the same gate as every
// code of ours: lock checked, attempt counted, step accepted once. Refused as the host's login
// refuses a code: 401 INVALID_OTP.
import type { OtpGate } from '../shared/otps.js';
import type { Runtime } from '../shared/runtime.js';
import { InvalidOtpError } from '../shared/util/errors.js';
import { acceptOtp, assertAccepted } from './code-gate.js';
import { findTwoFactorUser } from './users.js';

export function createOtpGate(rt: Runtime): OtpGate {
	return {
		async check(userId, otp) {
			const user = await findTwoFactorUser(rt.knex, { id: userId });
			if (!user?.tfa_secret) throw new InvalidOtpError();
			assertAccepted(rt, await acceptOtp(rt, userId, user.tfa_secret, otp), () => new InvalidOtpError());
		},
	};
}
