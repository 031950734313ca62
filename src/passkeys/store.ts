// Passkeys' storage: the credentials (one row each: the public key, never a secret), the
// ceremonies' challenges (only their hash, single use, spent by one conditional UPDATE so two
// instances can't both spend one) and the sessions a passkey sign-in opened (a hash of the
// session token, for the fresh-proof rule). All in the database, shared by every instance.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { USERS_TABLE } from '../shared/users.js';
import { pruneRows } from '../shared/util/batch.js';
import { hashToken } from '../shared/util/crypto.js';
import { toMillis } from '../shared/util/time.js';

export const PASSKEYS_TABLE = 'user_lifecycle_passkeys';
export const CHALLENGES_TABLE = 'user_lifecycle_passkey_challenges';
export const PASSKEY_SESSIONS_TABLE = 'user_lifecycle_passkey_sessions';

async function ensurePasskeyTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, PASSKEYS_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user', 36).notNullable().index();
		// Found by the id an authenticator sends (up to 1,023 bytes: too long for a key on MySQL).
		table.string('credential_hash', 64).notNullable().unique();
		table.text('credential_id').notNullable();
		table.text('public_key').notNullable();
		table.bigInteger('counter').notNullable();
		table.string('transports', 255).nullable();
		table.boolean('backed_up').notNullable();
		table.string('name', 100).notNullable();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('last_used_at').nullable();
	});
	await createTableIfMissing(knex, CHALLENGES_TABLE, (table) => {
		table.string('challenge_hash', 64).primary();
		table.string('purpose', 16).notNullable();
		// The user a registration's challenge was handed to (null for a sign-in's).
		table.string('user', 36).nullable().index();
		table.bigInteger('expires_at').notNullable().index();
		table.bigInteger('consumed_at').nullable();
	});
	await createTableIfMissing(knex, PASSKEY_SESSIONS_TABLE, (table) => {
		table.string('session_hash', 64).primary();
		table.string('user', 36).notNullable().index();
		table.bigInteger('signed_in_at').notNullable().index();
	});
}

export const PASSKEY_MIGRATIONS: Migration[] = [{ id: '0014-passkeys', tables: [PASSKEYS_TABLE, CHALLENGES_TABLE, PASSKEY_SESSIONS_TABLE], up: ensurePasskeyTables }];

// --- credentials ---------------------------------------------------------------------------

export interface PasskeyRow {
	id: string;
	user: string;
	credentialId: string;
	publicKey: string;
	counter: number;
	transports: string[];
	backedUp: boolean;
	name: string;
	createdAt: number;
	lastUsedAt: number | null;
}

const COLUMNS = ['id', 'user', 'credential_id', 'public_key', 'counter', 'transports', 'backed_up', 'name', 'created_at', 'last_used_at'];

function toRow(row: Record<string, unknown>): PasskeyRow {
	let transports: string[] = [];
	try {
		const parsed = JSON.parse(String(row['transports'] ?? '[]'));
		if (Array.isArray(parsed)) transports = parsed.filter((t): t is string => typeof t === 'string');
	} catch {
		// an unreadable list is no list
	}
	return {
		id: String(row['id']),
		user: String(row['user']),
		credentialId: String(row['credential_id']),
		publicKey: String(row['public_key']),
		counter: toMillis(row['counter']) ?? 0,
		transports,
		backedUp: row['backed_up'] === true || row['backed_up'] === 1 || row['backed_up'] === '1',
		name: String(row['name']),
		createdAt: toMillis(row['created_at']) ?? 0,
		lastUsedAt: toMillis(row['last_used_at']),
	};
}

/** A credential id's lookup key (an authenticator's ids are random: a plain hash is enough). */
export const credentialKey = (credentialId: string) => hashToken(credentialId);

export async function passkeysOf(knex: Knex, userId: string): Promise<PasskeyRow[]> {
	const rows = await knex(PASSKEYS_TABLE).select(COLUMNS).where({ user: userId }).orderBy('created_at', 'asc').orderBy('id', 'asc');
	return rows.map(toRow);
}

export async function passkeyOf(knex: Knex, userId: string, id: string): Promise<PasskeyRow | null> {
	const row = await knex(PASSKEYS_TABLE).select(COLUMNS).where({ user: userId, id }).first();
	return row ? toRow(row) : null;
}

export async function passkeyByCredential(knex: Knex, credentialId: string): Promise<PasskeyRow | null> {
	const row = await knex(PASSKEYS_TABLE).select(COLUMNS).where({ credential_hash: credentialKey(credentialId) }).first();
	return row ? toRow(row) : null;
}

export async function countPasskeys(knex: Knex, userId: string): Promise<number> {
	const row = await knex(PASSKEYS_TABLE).count({ n: '*' }).where({ user: userId }).first();
	return Number(row?.['n'] ?? 0);
}

/** Stores a new credential; false when that credential is registered already (its unique key). */
export async function insertPasskey(knex: Knex, passkey: Omit<PasskeyRow, 'lastUsedAt'>): Promise<boolean> {
	const key = credentialKey(passkey.credentialId);
	await knex(PASSKEYS_TABLE)
		.insert({
			id: passkey.id,
			user: passkey.user,
			credential_hash: key,
			credential_id: passkey.credentialId,
			public_key: passkey.publicKey,
			counter: passkey.counter,
			transports: JSON.stringify(passkey.transports),
			backed_up: passkey.backedUp,
			name: passkey.name,
			created_at: passkey.createdAt,
			last_used_at: null,
		})
		.onConflict('credential_hash')
		.ignore();
	// Whether the row is ours: the databases tell an ignored insert apart in different ways, a read doesn't.
	const row = await knex(PASSKEYS_TABLE).select('id').where({ credential_hash: key }).first();
	return row?.id === passkey.id;
}

/**
 * Moves the signature counter on after a verified sign-in: one conditional UPDATE, so of two
 * sign-ins with the same counter (a cloned authenticator) one wins. An authenticator without a
 * counter keeps sending 0. False when the counter did not move forward.
 */
export async function advanceCounter(knex: Knex, id: string, counter: number, backedUp: boolean, now: number): Promise<boolean> {
	const query = knex(PASSKEYS_TABLE).where({ id });
	if (counter === 0) query.where({ counter: 0 });
	else query.where('counter', '<', counter);
	return (await query.update({ counter, backed_up: backedUp, last_used_at: now })) === 1;
}

export async function renamePasskey(knex: Knex, userId: string, id: string, name: string): Promise<boolean> {
	return (await knex(PASSKEYS_TABLE).where({ user: userId, id }).update({ name })) === 1;
}

export async function deletePasskey(knex: Knex, userId: string, id: string): Promise<boolean> {
	return (await knex(PASSKEYS_TABLE).where({ user: userId, id }).delete()) === 1;
}

// --- challenges ----------------------------------------------------------------------------

export type Ceremony = 'registration' | 'sign-in';

export async function storeChallenge(knex: Knex, challenge: string, purpose: Ceremony, userId: string | null, expiresAt: number): Promise<void> {
	await knex(CHALLENGES_TABLE).insert({ challenge_hash: hashToken(challenge), purpose, user: userId, expires_at: expiresAt, consumed_at: null });
}

/**
 * Spends a challenge: one conditional UPDATE, so of every request (on any instance) that brings
 * it, exactly one wins, and only while it lives, for its ceremony (and a registration's, for the
 * user it was handed to).
 */
export async function consumeChallenge(knex: Knex, challenge: string, purpose: Ceremony, userId: string | null, now: number): Promise<boolean> {
	const query = knex(CHALLENGES_TABLE).where({ challenge_hash: hashToken(challenge), purpose }).whereNull('consumed_at').where('expires_at', '>', now);
	if (userId !== null) query.where({ user: userId });
	return (await query.update({ consumed_at: now })) === 1;
}

// --- sessions a passkey opened -------------------------------------------------------------

export async function rememberPasskeySession(knex: Knex, sessionToken: string, userId: string, signedInAt: number): Promise<void> {
	await knex(PASSKEY_SESSIONS_TABLE).insert({ session_hash: hashToken(sessionToken), user: userId, signed_in_at: signedInAt }).onConflict('session_hash').ignore();
}

/** The passkey sign-ins of `userId` since `since`: the hashes of the sessions they opened. */
export async function passkeySessionsSince(knex: Knex, userId: string, since: number): Promise<{ sessionHash: string; signedInAt: number }[]> {
	const rows = await knex(PASSKEY_SESSIONS_TABLE).select('session_hash', 'signed_in_at').where({ user: userId }).where('signed_in_at', '>', since);
	return rows.map((row: Record<string, unknown>) => ({ sessionHash: String(row['session_hash']), signedInAt: toMillis(row['signed_in_at']) ?? 0 }));
}

// --- clean-up ------------------------------------------------------------------------------

/** Everything of these users (deleted ones). */
export async function forgetUsers(knex: Knex, userIds: readonly string[]): Promise<void> {
	if (userIds.length === 0) return;
	for (const table of [PASSKEYS_TABLE, CHALLENGES_TABLE, PASSKEY_SESSIONS_TABLE]) await knex(table).whereIn('user', userIds).delete();
}

/** Challenges past their end, at most `limit` per call. */
export async function pruneChallenges(knex: Knex, now: number, limit: number): Promise<number> {
	return pruneRows(knex, CHALLENGES_TABLE, 'challenge_hash', (q) => q.where('expires_at', '<=', now), limit);
}

/** Passkey sign-ins older than `before`, at most `limit` per call. */
export async function prunePasskeySessions(knex: Knex, before: number, limit: number): Promise<number> {
	return pruneRows(knex, PASSKEY_SESSIONS_TABLE, 'session_hash', (q) => q.where('signed_in_at', '<=', before), limit);
}

/** Credentials whose user no longer exists (deleted where no event was heard), at most `limit` per call. */
export async function pruneOrphanPasskeys(knex: Knex, limit: number): Promise<number> {
	const rows = await knex(PASSKEYS_TABLE)
		.select(`${PASSKEYS_TABLE}.id`)
		.leftJoin(USERS_TABLE, `${USERS_TABLE}.id`, `${PASSKEYS_TABLE}.user`)
		.whereNull(`${USERS_TABLE}.id`)
		.limit(limit);
	if (rows.length === 0) return 0;
	return knex(PASSKEYS_TABLE).whereIn('id', rows.map((r: { id: string }) => r.id)).delete();
}
