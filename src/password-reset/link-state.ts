// A reset link dies with the state it was issued for (src/shared/link-state.ts): its token's
// `data` holds the status count at issue, its JWT the address it was sent to, and every committed
// write of a user's `email` revokes their live reset links.
import type { RegisterFunctions } from '@directus/types';
import { revokeTokens } from '../shared/link-tokens.js';
import { onEmailWritten } from '../shared/link-state.js';
import type { Runtime } from '../shared/runtime.js';

export const RESET_TOKEN_KIND = 'password-reset';

/** Revokes the live reset links of every user whose `email` a committed update wrote (the same address included). */
export function registerEmailChangeRevocation(register: RegisterFunctions, rt: Pick<Runtime, 'knex' | 'logger'>): void {
	onEmailWritten(register, rt, 'reset links', (knex, userIds) => revokeTokens(knex, RESET_TOKEN_KIND, userIds));
}
