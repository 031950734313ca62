// Passkeys (WebAuthn, through @simplewebauthn/server): a signed-in user adds them behind a fresh
// proof, lists, renames and removes them; whoever may manage a user lists and removes theirs; anyone
// signs in with one (with or without an email), answered as the host's login answers, on the
// extension's own sign-in page too. Challenges single use across instances, counters that go
// back refused and recorded, two-factor never skipped. Passkeys go when their user does.
import type { Capability } from '../shared/capability.js';
import type { Runtime } from '../shared/runtime.js';
import { drain } from '../shared/util/batch.js';
import { carryPasskeyMark, FRESH_MS } from './proof.js';
import { passkeysRoutes } from './routes.js';
import { PASSKEY_SETTINGS } from './settings.js';
import { forgetUsers, PASSKEY_MIGRATIONS, pruneChallenges, pruneOrphanPasskeys, prunePasskeySessions } from './store.js';

// The `user-lifecycle.<step>` events this capability emits.
declare module '../shared/events.js' {
	interface LifecycleSteps {
		'passkey-added': true;
		'passkey-removed': true;
		'passkey-sign-in': true;
		'passkey-counter-regressed': true;
	}
}

/** Spent and expired challenges, passkey sign-ins too old to prove anything, passkeys of users deleted unheard. */
async function prunePasskeyRecords(rt: Runtime, now: number) {
	const batch = rt.config.scheduleBatchSize;
	return {
		prunedPasskeyChallenges: await drain((limit) => pruneChallenges(rt.knex, now, limit), batch),
		prunedPasskeySessions: await drain((limit) => prunePasskeySessions(rt.knex, now - FRESH_MS, limit), batch),
		prunedOrphanPasskeys: await drain((limit) => pruneOrphanPasskeys(rt.knex, limit), batch),
	};
}

export const passkeys: Capability = {
	name: 'passkeys',
	settings: PASSKEY_SETTINGS,
	routes: passkeysRoutes,
	hooks: (register, rt) => {
		// A deleted user's passkeys (and challenges, sign-in marks) go with them.
		register.action('users.delete', async (meta) => {
			const keys = (meta['keys'] ?? meta['payload']) as unknown;
			if (Array.isArray(keys)) await forgetUsers(rt.knex, keys.map(String));
		});
		// A session-mode refresh (the Data Studio's) carries a passkey sign-in's mark to the new token.
		register.filter('auth.jwt', async (payload, meta) => {
			const claims = payload as Record<string, unknown>;
			if (meta['type'] === 'refresh' && typeof meta['user'] === 'string' && typeof claims['session'] === 'string') {
				await carryPasskeyMark(rt.knex, meta['user'], claims['session']);
			}
			return payload;
		});
	},
	job: prunePasskeyRecords,
	migrations: PASSKEY_MIGRATIONS,
};
