// A user's passkeys as they are shown (never the public key nor the credential id), renamed and
// removed. Removal is audited and announced; whose passkeys and who acts are the routes' to say.
import { recordEvents } from '../shared/audit.js';
import { NO_CLIENT, type Client, type Door } from '../shared/http.js';
import type { Runtime } from '../shared/runtime.js';
import { passkeyNotFound } from './errors.js';
import { deletePasskey, passkeyOf, passkeysOf, renamePasskey, type PasskeyRow } from './store.js';

export interface PasskeyView {
	id: string;
	name: string;
	created_at: string;
	last_used_at: string | null;
	backed_up: boolean;
	transports: string[];
}

export function passkeyView(passkey: PasskeyRow): PasskeyView {
	return {
		id: passkey.id,
		name: passkey.name,
		created_at: new Date(passkey.createdAt).toISOString(),
		last_used_at: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(),
		backed_up: passkey.backedUp,
		transports: passkey.transports,
	};
}

/** How a passkey is named in the audit trail: our id and its name, never the credential id. */
export const auditName = (passkey: Pick<PasskeyRow, 'id' | 'name'>) => `passkey ${passkey.id} ("${passkey.name}")`;

export async function listPasskeys(rt: Runtime, userId: string): Promise<PasskeyView[]> {
	return (await passkeysOf(rt.knex, userId)).map(passkeyView);
}

export async function renameOwnPasskey(rt: Runtime, userId: string, id: string, name: string): Promise<PasskeyView> {
	if (!(await renamePasskey(rt.knex, userId, id, name))) throw passkeyNotFound();
	const passkey = await passkeyOf(rt.knex, userId, id);
	if (!passkey) throw passkeyNotFound();
	return passkeyView(passkey);
}

/** Whose passkey, and who removes it (the user, or someone who may manage them). */
export interface RemovalTarget {
	user: string;
	actor: string;
}

export async function removePasskey(rt: Runtime, target: RemovalTarget, id: string, via: Door, client: Client = NO_CLIENT): Promise<void> {
	const removed = await rt.knex.transaction(async (trx) => {
		const passkey = await passkeyOf(trx, target.user, id);
		// The DELETE decides: of two concurrent removals one records it.
		if (!passkey || !(await deletePasskey(trx, target.user, id))) return null;
		await recordEvents(trx, [{ user: target.user, event: 'passkey-removed', actor: target.actor, via, reason: `${auditName(passkey)} removed` }]);
		return passkey;
	});
	if (!removed) throw passkeyNotFound();
	rt.events.emit('passkey-removed', { user: target.user, actor: target.actor, via, passkey: removed.id, name: removed.name, ...client });
}
