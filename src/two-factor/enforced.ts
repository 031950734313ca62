// Nobody turns off their own two-factor while one of their policies enforces it (`enforce_tfa`),
// whatever the door: our disable route, the host's `/users/me/tfa/disable` and GraphQL
// `users_me_tfa_disable` (one flow), an admin's reset aimed at themselves, and a direct
// `tfa_secret: null` on their own user (PATCH /users/me, items, GraphQL).
import type { Accountability, RegisterFunctions } from '@directus/types';
import type { Runtime } from '../shared/runtime.js';
import { twoFactorEnforced } from '../shared/users.js';
import { tfaEnforced } from './errors.js';

/** Refuses (403 TFA_ENFORCED) when a policy enforces two-factor for the user. `roles`: the caller's role tree, when the user is the caller. */
export async function assertMayTurnOffOwn(rt: Runtime, userId: string, roles?: readonly string[]): Promise<void> {
	if (await twoFactorEnforced(rt.knex, userId, roles)) throw tfaEnforced();
}

/** Before the status guard (which refuses any direct tfa_secret write): a clearer answer for one's own. */
export function registerOwnSecretGuard(register: RegisterFunctions, rt: Runtime): void {
	register.filter('users.update', async (payload, meta, context) => {
		const item = payload as Record<string, unknown>;
		const accountability = (context as { accountability?: Accountability | null }).accountability;
		const keys = ((meta as { keys?: (string | number)[] }).keys ?? []).map(String);
		if (!accountability?.user || !('tfa_secret' in item) || item['tfa_secret'] !== null) return payload;
		if (keys.includes(accountability.user)) await assertMayTurnOffOwn(rt, accountability.user, accountability.roles);
		return payload;
	});
}
