// Invitation's GraphQL door: the host's `users_invite` and `users_invite_accept` system
// mutations, answered by the same flows as the REST routes (Boolean `true`, as the host answers).
import type { GraphqlMutation } from '../shared/graphql.js';
import { withoutNulls } from '../shared/graphql.js';
import { flowOptions } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { acceptInvite, inviteUsers } from './flow.js';
import { hostAcceptBody, hostInviteBody } from './schemas.js';

export function invitationGraphql(rt: Runtime): Record<string, GraphqlMutation> {
	return {
		users_invite: async (args, req) => {
			await inviteUsers(rt, parseInput(hostInviteBody, withoutNulls(args)), flowOptions(req));
			return true;
		},
		users_invite_accept: async (args, req) => {
			await acceptInvite(rt, parseInput(hostAcceptBody, withoutNulls(args)), flowOptions(req));
			return true;
		},
	};
}
