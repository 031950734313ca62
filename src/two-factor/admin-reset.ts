// The admins' two-factor reset (our route and the host's "disable TFA for this user" in the Data
// Studio): clears the secret and the recovery codes, and leaves an audit event naming the admin.
// A user without two-factor has nothing to reset: nothing is written, audited or emitted (our
// route says so, 400; the host's route answers as the host does, 204).
import { recordEvents } from '../shared/audit.js';
import { runAsFlow } from '../shared/flow-scope.js';
import type { FlowOptions } from '../shared/host.js';
import { clientOfAccountability } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { findTwoFactorUser } from './users.js';
import { ForbiddenError, InvalidCredentialsError } from '../shared/util/errors.js';
import { assertMayTurnOffOwn } from './enforced.js';
import { notEnabled } from './errors.js';
import { deleteTwoFactorState, writeSecret } from './store.js';

export async function resetTwoFactor(rt: Runtime, targetId: string, options: FlowOptions, { whenOff }: { whenOff: 'refuse' | 'ignore' }): Promise<void> {
	const actor = options.accountability?.user ?? null;
	if (!actor) throw new InvalidCredentialsError();
	if (options.accountability?.admin !== true) throw new ForbiddenError();
	const user = await findTwoFactorUser(rt.knex, { id: targetId });
	if (!user) throw new ForbiddenError();
	// An admin resets others; their own two-factor stays on while a policy enforces it.
	if (targetId === actor) await assertMayTurnOffOwn(rt, actor, options.accountability?.roles);
	if (!user.tfa_secret) {
		if (whenOff === 'refuse') throw notEnabled(targetId);
		return;
	}
	await runAsFlow({ via: 'tfa-reset', actor, tfa: true }, () =>
		rt.knex.transaction(async (trx) => {
			await writeSecret(trx, targetId, undefined, null);
			await deleteTwoFactorState(trx, targetId);
			await recordEvents(trx, [{ user: targetId, event: 'tfa-reset', actor, via: 'tfa-reset' }]);
		}),
	);
	rt.events.emit('tfa-reset', { user: targetId, actor, via: options.via ?? 'api', ...clientOfAccountability(options.accountability) });
}
