// Two-factor's GraphQL door: the host's `users_me_tfa_generate|enable|disable` system mutations,
// answered by the same flows as the REST routes — so a code sent through GraphQL meets the same
// lock and replay protection (the host's own resolver checks codes with neither).
import type { GraphqlMutation } from '../shared/graphql.js';
import { withoutNulls } from '../shared/graphql.js';
import { clientOf, flowOptions, requireUser } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { hostDisableBody, hostEnableBody, hostGenerateBody } from './schemas.js';
import { disableTwoFactor, enableTwoFactor, generateTwoFactorSecret } from './self-service.js';

export function twoFactorGraphql(rt: Runtime): Record<string, GraphqlMutation> {
	return {
		users_me_tfa_generate: async (args, req) => {
			const user = requireUser(req);
			return generateTwoFactorSecret(rt, user, parseInput(hostGenerateBody, withoutNulls(args)).password, flowOptions(req));
		},
		users_me_tfa_enable: async (args, req) => {
			const user = requireUser(req);
			const { secret, otp } = parseInput(hostEnableBody, withoutNulls(args));
			await enableTwoFactor(rt, user, { secret, otp }, { recoveryCodes: false, via: 'graphql', client: clientOf(req) });
			return true;
		},
		users_me_tfa_disable: async (args, req) => {
			await disableTwoFactor(rt, requireUser(req), parseInput(hostDisableBody, withoutNulls(args)), 'graphql', req.accountability?.roles, clientOf(req));
			return true;
		},
	};
}
