// Recovery codes, the whole concept: generated (10 characters from a 32-letter alphabet = 50 bits,
// shown as XXXXX-XXXXX), read back from what a user typed, hashed with a key derived from SECRET,
// stored one row each, spent by one conditional UPDATE, counted, replaced. The code gate
// (code-gate.ts) decides when a spend is tried.
import { createHmac, randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { createTableIfMissing } from '../shared/migrations.js';
import type { Runtime } from '../shared/runtime.js';
import { chunks } from '../shared/util/batch.js';
import { newId } from '../shared/util/crypto.js';

export const RECOVERY_CODES_TABLE = 'user_lifecycle_recovery_codes';

/** Part of the two-factor migration (0005): one row per code, its keyed hash unique. */
export async function ensureRecoveryCodesTable(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, RECOVERY_CODES_TABLE, (table) => {
		table.string('id', 36).primary();
		table.string('user_id', 36).notNullable();
		table.string('code_hash', 64).notNullable().unique();
		table.bigInteger('created_at').notNullable();
		table.bigInteger('consumed_at').nullable();
		table.index(['user_id']);
	});
}

// Crockford's alphabet: no I, L, O, U, so codes read back without confusion.
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const RECOVERY_CODE_LENGTH = 10;

export function generateRecoveryCode(): string {
	let code = '';
	for (let i = 0; i < RECOVERY_CODE_LENGTH; i++) code += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
	return `${code.slice(0, 5)}-${code.slice(5)}`;
}

export function generateRecoveryCodes(count: number): string[] {
	const codes = new Set<string>();
	while (codes.size < count) codes.add(generateRecoveryCode());
	return [...codes];
}

/** The canonical form of what a user typed (case, dashes and spaces don't matter), or null. */
export function normalizeRecoveryCode(input: string): string | null {
	const compact = input.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
	if (compact.length !== RECOVERY_CODE_LENGTH) return null;
	for (const ch of compact) if (!RECOVERY_ALPHABET.includes(ch)) return null;
	return compact;
}

/** Recovery codes are stored as HMACs keyed from the host's SECRET: a database dump alone can't brute-force 50 bits. */
export function hashRecoveryCode(rt: Pick<Runtime, 'key'>, userId: string, code: string): string {
	return createHmac('sha256', rt.key('recovery-codes')).update(`${userId}:${code}`).digest('hex');
}

/** Replaces the user's set: every earlier code, spent or not, stops existing. */
export async function replaceRecoveryCodes(knex: Knex, userId: string, hashes: string[], now = Date.now()): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId }).delete();
	const rows = hashes.map((code_hash) => ({ id: newId(), user_id: userId, code_hash, created_at: now, consumed_at: null }));
	for (const batch of chunks(rows, 100)) await knex(RECOVERY_CODES_TABLE).insert(batch);
}

/** Spends one code: one conditional UPDATE, so of N concurrent uses exactly one wins. */
export async function spendRecoveryCode(knex: Knex, userId: string, hash: string, now = Date.now()): Promise<boolean> {
	const won = await knex(RECOVERY_CODES_TABLE).where({ user_id: userId, code_hash: hash }).whereNull('consumed_at').update({ consumed_at: now });
	return won === 1;
}

/** Gives a spent code back (the login it paid for failed after it was spent). */
export async function restoreRecoveryCode(knex: Knex, userId: string, hash: string, spentAt: number): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId, code_hash: hash, consumed_at: spentAt }).update({ consumed_at: null });
}

export async function countRecoveryCodes(knex: Knex, userId: string): Promise<number> {
	const row = await knex(RECOVERY_CODES_TABLE).count({ n: '*' }).where({ user_id: userId }).whereNull('consumed_at').first();
	return Number(row?.['n'] ?? 0);
}

export async function deleteRecoveryCodes(knex: Knex, userId: string): Promise<void> {
	await knex(RECOVERY_CODES_TABLE).where({ user_id: userId }).delete();
}

/** A fresh set for the user (the old one stops existing); returns the codes, shown once. */
export async function issueRecoveryCodes(rt: Runtime, knex: Knex, userId: string): Promise<string[]> {
	const codes = generateRecoveryCodes(rt.config.recoveryCodeCount);
	await replaceRecoveryCodes(knex, userId, codes.map((c) => hashRecoveryCode(rt, userId, normalizeRecoveryCode(c)!)));
	return codes;
}
