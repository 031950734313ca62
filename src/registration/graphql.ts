// Registration's GraphQL door: the host's `users_register` and `users_register_verify` system
// mutations, answered by the same flows as the REST routes (Boolean `true`, as the host answers).
// The host's verify mutation takes only the token: a contested registration's link answers
// PASSWORD_REQUIRED here, and is verified with a chosen password on the REST route or its page.
import type { GraphqlMutation } from '../shared/graphql.js';
import { withoutNulls } from '../shared/graphql.js';
import { stallUntil } from '../shared/host.js';
import { flowOptions } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import { consumeRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { registerUser, verifyEmail } from './flow.js';
import { registrationSchema, verifyEmailArgs } from './schemas.js';

export function registrationGraphql(rt: Runtime): Record<string, GraphqlMutation> {
	// The host's mutation takes the base fields only.
	const registration = registrationSchema([]);
	return {
		users_register: async (args, req) => {
			await consumeRateLimit(rt.knex, 'registration', req.accountability?.ip ?? req.ip, rt.config.registrationRateLimit);
			// Every answer, a refused body too, comes REGISTER_STALL_TIME after the start, as on REST.
			const startedAt = performance.now();
			try {
				await registerUser(rt, parseInput(registration, withoutNulls(args)), flowOptions(req), startedAt);
			} finally {
				await stallUntil(startedAt, rt.config.registerStallMs);
			}
			return true;
		},
		users_register_verify: async (args, req) => {
			await verifyEmail(rt, parseInput(verifyEmailArgs, withoutNulls(args)), flowOptions(req));
			return true;
		},
	};
}
