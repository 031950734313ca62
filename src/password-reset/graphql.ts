// Password reset's GraphQL door: the host's `auth_password_request` and `auth_password_reset`
// system mutations, answered by the same flows as the REST routes (Boolean `true`, as the host answers).
import type { GraphqlMutation } from '../shared/graphql.js';
import { withoutNulls } from '../shared/graphql.js';
import { stallUntil } from '../shared/host.js';
import { flowOptions } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import { consumeRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { requestPasswordReset, resetPassword } from './flow.js';
import { RESET_RATE_LIMIT } from './routes.js';
import { requestBody, resetBody } from './schemas.js';

export function passwordResetGraphql(rt: Runtime): Record<string, GraphqlMutation> {
	return {
		auth_password_request: async (args, req) => {
			await consumeRateLimit(rt.knex, RESET_RATE_LIMIT, req.accountability?.ip ?? req.ip, rt.config.resetRateLimit);
			// Every answer, a refused argument too, comes after the same stall as on REST.
			const startedAt = performance.now();
			try {
				await requestPasswordReset(rt, parseInput(requestBody, withoutNulls(args)), startedAt);
			} finally {
				await stallUntil(startedAt, rt.config.resetStallMs);
			}
			return true;
		},
		auth_password_reset: async (args, req) => {
			await resetPassword(rt, parseInput(resetBody, withoutNulls(args)), flowOptions(req));
			return true;
		},
	};
}
