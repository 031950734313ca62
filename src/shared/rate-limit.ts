// Counters within a time window, in the database so every instance shares them; a window starts
// at its first hit. Per IP: the host's registration limit (RATE_LIMITER_REGISTRATION_*) on routes
// the host's limiter no longer sees, and the reset requests. Per user: wrong passwords and codes.
import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import type { HostRequest } from './http.js';
import { createTableIfMissing, type Migration } from './migrations.js';
import { HitRateLimitError } from './util/errors.js';

export const RATE_TABLE = 'user_lifecycle_rate_limits';

export async function ensureRateLimitTables(knex: Knex): Promise<void> {
	await createTableIfMissing(knex, RATE_TABLE, (table) => {
		table.string('key', 255).primary();
		table.integer('hits').notNullable();
		table.bigInteger('expires_at').notNullable().index();
	});
}

export const RATE_LIMIT_MIGRATIONS: Migration[] = [{ id: '0003-rate-limits', tables: [RATE_TABLE], up: ensureRateLimitTables }];

/**
 * Counts one hit for `key`; returns the hits so far and when the window ends. A window starts at
 * the key's first hit (as the host's limiter does), not on a clock boundary, so N quick hits are
 * never split across two windows. One upsert: an expired row starts over in the same statement.
 */
export async function hit(knex: Knex, key: string, windowMs: number): Promise<{ hits: number; resetAt: number }> {
	const now = Date.now();
	const rowKey = key.slice(0, 255);
	const expired = knex.raw('??.?? <= ?', [RATE_TABLE, 'expires_at', now]);
	await knex(RATE_TABLE)
		.insert({ key: rowKey, hits: 1, expires_at: now + windowMs })
		.onConflict('key')
		.merge({
			// MySQL applies these in order and later ones see earlier ones: `hits` first, it reads only `expires_at`.
			hits: knex.raw('CASE WHEN ? THEN 1 ELSE ??.?? + 1 END', [expired, RATE_TABLE, 'hits']),
			expires_at: knex.raw('CASE WHEN ? THEN ? ELSE ??.?? END', [expired, now + windowMs, RATE_TABLE, 'expires_at']),
		});
	const row = await knex(RATE_TABLE).select('hits', 'expires_at').where({ key: rowKey }).first();
	if (Math.random() < 0.02) await knex(RATE_TABLE).where('expires_at', '<', now).delete();
	return { hits: Number(row?.hits ?? 1), resetAt: Number(row?.expires_at ?? now + windowMs) };
}

/** Forgets `key`'s hits (its window starts afresh at its next hit). */
export async function forgetHits(knex: Knex, key: string): Promise<void> {
	await knex(RATE_TABLE).where({ key: key.slice(0, 255) }).delete();
}

/** Counts one hit of `name` for this IP; throws the host's 429 past the limit (`limit` null: off). */
export async function consumeRateLimit(knex: Knex, name: string, ip: string | null | undefined, limit: { points: number; windowMs: number } | null): Promise<void> {
	if (!limit || !ip) return;
	const { hits, resetAt } = await hit(knex, `${name}:${ip}`, limit.windowMs);
	if (hits > limit.points) throw new HitRateLimitError({ limit: limit.points, reset: new Date(resetAt) });
}

/** A per-IP limit as route middleware (with the host's Retry-After header). */
export function perIpRateLimit(knex: Knex, name: string, limit: { points: number; windowMs: number } | null) {
	return (req: Request, res: Response, next: NextFunction) => {
		consumeRateLimit(knex, name, (req as HostRequest).accountability?.ip ?? req.ip, limit)
			.then(() => next())
			.catch((error) => {
				const reset = (error as { extensions?: { reset?: Date } }).extensions?.reset;
				if (reset instanceof Date) res.set('Retry-After', String(Math.max(0, Math.ceil((reset.getTime() - Date.now()) / 1000))));
				next(error);
			});
	};
}

/**
 * One more in the user's row of `table` (user_id, failures, window_start); the window restarts
 * once `windowMs` old. Returns the count after this one (concurrent ones may be in it too).
 */
export async function countInWindow(knex: Knex, table: string, userId: string, windowMs: number, now: number): Promise<number> {
	const windowOpen = now - windowMs;
	await knex(table).insert({ user_id: userId, failures: 0, window_start: now }).onConflict('user_id').ignore();
	// One statement: the database serialises concurrent attempts on the row. `failures` is set
	// first and reads the old `window_start` (MySQL applies SET clauses left to right).
	await knex(table)
		.where({ user_id: userId })
		.update({
			failures: knex.raw('CASE WHEN ?? <= ? THEN 1 ELSE ?? + 1 END', ['window_start', windowOpen, 'failures']),
			window_start: knex.raw('CASE WHEN ?? <= ? THEN ? ELSE ?? END', ['window_start', windowOpen, now, 'window_start']),
		});
	const row = await knex(table).select('failures').where({ user_id: userId }).first();
	return Number(row?.failures ?? 1);
}
