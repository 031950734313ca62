// The notices' tables: the devices each user signed in from (a key per device, when last seen) and
// the sign-ins themselves (the Security page shows the last 30). Both are pruned after 90 days.
import type { Knex } from 'knex';
import { createTableIfMissing, type Migration } from '../shared/migrations.js';
import { chunks, pruneRows } from '../shared/util/batch.js';
import { orderedId } from '../shared/util/crypto.js';
import type { SignInMethod } from '../shared/sign-in-method.js';

export const DEVICES_TABLE = 'user_lifecycle_devices';
export const SIGN_INS_TABLE = 'user_lifecycle_sign_ins';
/** A device not seen for this long is new again. */
export const DEVICE_MEMORY_MS = 90 * 24 * 3600_000;
/** The user agent kept with a sign-in (a longer one is cut: it is shown, never parsed again). */
const MAX_USER_AGENT = 512;

async function ensureNoticeTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, DEVICES_TABLE, (table) => {
		table.string('user_id', 36).notNullable();
		table.string('device', 64).notNullable();
		table.bigInteger('last_seen_at').notNullable().index();
		table.primary(['user_id', 'device']);
	});
	await createTableIfMissing(knex, SIGN_INS_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user_id', 36).notNullable();
		table.bigInteger('at').notNullable().index();
		table.string('ip', 64).nullable();
		table.string('user_agent', MAX_USER_AGENT).nullable();
		table.string('method', 16).notNullable();
		table.boolean('new_device').notNullable();
		table.index(['user_id', 'at']);
	});
}

export const NOTICE_MIGRATIONS: Migration[] = [{ id: '0030-notices', tables: [DEVICES_TABLE, SIGN_INS_TABLE], up: ensureNoticeTables }];

/**
 * Whether `device` is new for `userId` (not seen for 90 days), and notes it seen now. `first`: the
 * user has no device on record at all (the first sign-in since the extension came), which is
 * recorded without a notice. Of concurrent sign-ins from one new device exactly one is `new`:
 * each step is one statement the database arbitrates.
 */
export async function noteDevice(knex: Knex, userId: string, device: string, now: number): Promise<'known' | 'new' | 'first'> {
	const fresh = now - DEVICE_MEMORY_MS;
	const seen = await knex(DEVICES_TABLE).where({ user_id: userId, device }).where('last_seen_at', '>=', fresh).update({ last_seen_at: now });
	if (seen > 0) return 'known';
	const anyDevice = await knex(DEVICES_TABLE).where({ user_id: userId }).first('device');
	try {
		await knex(DEVICES_TABLE).insert({ user_id: userId, device, last_seen_at: now });
		return anyDevice ? 'new' : 'first';
	} catch {
		// The row exists: seen more than 90 days ago (it is new again, once), or inserted just now by
		// a concurrent sign-in from the same device (which told).
		const revived = await knex(DEVICES_TABLE).where({ user_id: userId, device }).where('last_seen_at', '<', fresh).update({ last_seen_at: now });
		return revived > 0 ? 'new' : 'known';
	}
}

export interface SignIn {
	userId: string;
	at: number;
	ip: string | null;
	userAgent: string | null;
	method: SignInMethod;
	newDevice: boolean;
}

/** Writes sign-ins, 250 rows a statement. */
export async function recordSignIns(knex: Knex, signIns: readonly SignIn[]): Promise<void> {
	const rows = signIns.map((signIn) => ({
		id: orderedId(signIn.at),
		user_id: signIn.userId,
		at: signIn.at,
		ip: signIn.ip?.slice(0, 64) ?? null,
		user_agent: signIn.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
		method: signIn.method,
		new_device: signIn.newDevice,
	}));
	for (const batch of chunks(rows, 250)) await knex(SIGN_INS_TABLE).insert(batch);
}

export async function latestSignIns(knex: Knex, userId: string, limit: number): Promise<SignIn[]> {
	const rows = await knex(SIGN_INS_TABLE).select('at', 'ip', 'user_agent', 'method', 'new_device').where({ user_id: userId }).orderBy('at', 'desc').orderBy('id', 'desc').limit(limit);
	return rows.map((row) => ({ userId, at: Number(row.at), ip: row.ip, userAgent: row.user_agent, method: row.method, newDevice: Boolean(row.new_device) }));
}

/** Forgets sign-ins and devices older than 90 days, at most `limit` rows of each per call. */
export async function pruneNoticeRecords(knex: Knex, now: number, limit: number): Promise<number> {
	const before = now - DEVICE_MEMORY_MS;
	const signIns = await pruneRows(knex, SIGN_INS_TABLE, 'id', (q) => q.where('at', '<', before), limit);
	// A device row is what makes the next sign-in from it known: kept as long as it counts.
	const devices = await knex(DEVICES_TABLE).where('last_seen_at', '<', before).delete();
	return signIns + Number(devices);
}
