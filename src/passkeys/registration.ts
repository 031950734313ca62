// Adding a passkey: options for the signed-in user behind a fresh proof (their challenge kept
// server-side, bound to that user, single use, 5 minutes), then the authenticator's answer to
// them, which needs no proof of its own: the options were the proof's.
import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { recordEvents } from '../shared/audit.js';
import { readSettings } from '../shared/host.js';
import { NO_CLIENT, type Client, type Door, type HostRequest } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import { findUserById } from '../shared/users.js';
import { newId } from '../shared/util/crypto.js';
import { InvalidCredentialsError } from '../shared/util/errors.js';
import { alreadyRegistered, registrationExpired, registrationNotVerified, tooManyPasskeys } from './errors.js';
import { auditName, passkeyView, type PasskeyView } from './manage.js';
import { assertFreshProof, type Proof } from './proof.js';
import { consumeChallenge, countPasskeys, insertPasskey, passkeysOf, storeChallenge } from './store.js';
import { challengeOf, CHALLENGE_TTL_MS, checkRegistration, registrationOptions, relyingParty } from './webauthn.js';

/** Enough for every device a person owns; a bound on what one account stores. */
export const MAX_PASSKEYS = 25;

export async function startRegistration(rt: Runtime, req: HostRequest, userId: string, proof: Proof): Promise<PublicKeyCredentialCreationOptionsJSON> {
	const rp = relyingParty(rt);
	await assertFreshProof(rt, req, userId, proof);
	const user = await findUserById(rt.knex, userId);
	if (!user) throw new InvalidCredentialsError();
	const existing = await passkeysOf(rt.knex, userId);
	if (existing.length >= MAX_PASSKEYS) throw tooManyPasskeys(MAX_PASSKEYS);
	const { project_name } = await readSettings(rt.knex);
	const displayName = [user.first_name, user.last_name].filter(Boolean).join(' ') || user.email || `user_${user.id}`;
	const options = await registrationOptions(rp, project_name || 'Directus', { id: user.id, email: user.email, displayName }, existing);
	await storeChallenge(rt.knex, options.challenge, 'registration', userId, Date.now() + CHALLENGE_TTL_MS);
	return options;
}

export async function finishRegistration(rt: Runtime, userId: string, input: { response: RegistrationResponseJSON; name?: string }, via: Door, client: Client = NO_CLIENT): Promise<Pick<PasskeyView, 'id' | 'name' | 'created_at'>> {
	const rp = relyingParty(rt);
	const now = Date.now();
	const challenge = challengeOf(input.response);
	if (challenge === null || !(await consumeChallenge(rt.knex, challenge, 'registration', userId, now))) throw registrationExpired();
	const credential = await checkRegistration(rp, input.response, challenge);
	if (!credential) throw registrationNotVerified();
	const count = await countPasskeys(rt.knex, userId);
	if (count >= MAX_PASSKEYS) throw tooManyPasskeys(MAX_PASSKEYS);
	const passkey = {
		id: newId(),
		user: userId,
		...credential,
		transports: input.response.response.transports ?? [],
		name: input.name ?? `Passkey ${count + 1}`,
		createdAt: now,
	};
	const added = await rt.knex.transaction(async (trx) => {
		if (!(await insertPasskey(trx, passkey))) return false;
		await recordEvents(trx, [{ user: userId, event: 'passkey-added', actor: userId, via, reason: `${auditName(passkey)} added` }]);
		return true;
	});
	if (!added) throw alreadyRegistered();
	rt.events.emit('passkey-added', { user: userId, actor: userId, via, passkey: passkey.id, name: passkey.name, backed_up: passkey.backedUp, ...client });
	const { id, name, created_at } = passkeyView({ ...passkey, lastUsedAt: null });
	return { id, name, created_at };
}
