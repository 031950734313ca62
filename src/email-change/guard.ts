// The other doors to `email`. A user's own address (the host's `PATCH /users/me` and
// `/users/:own-id`, GraphQL `update_users_me` / `update_users_item`, a Flow or an extension acting
// as them) changes only through the email change route: any other write of it is refused (400,
// naming the route) before the host writes anything. Everyone the host lets update another user's
// `email` changes it directly; the change is audited and the old address is told. The
// extension's own flows (a confirmation, a revert) pass.
import type { RegisterFunctions } from '@directus/types';
import type { Knex } from 'knex';
import { recordEvents } from '../shared/audit.js';
import { currentFlow } from '../shared/flow-scope.js';
import type { Runtime } from '../shared/runtime.js';
import { USER_FIELDS, USERS_TABLE, type UserRow } from '../shared/users.js';
import { ownEmailRefused } from './errors.js';
import { noticeToOldAddress } from './flow.js';

interface WriteContext {
	database: Knex;
	accountability: { user?: string | null; ip?: string | null; userAgent?: string } | null;
}

type Addressed = UserRow & { email: string };

export function registerEmailGuard(register: RegisterFunctions, rt: Runtime): void {
	// The old addresses a write by someone else is about to replace, by the write's `keys` array
	// (the host hands its filter and its action the same one).
	const replacing = new WeakMap<object, Addressed[]>();

	register.filter('users.update', async (payload, meta, context) => {
		const item = payload as Record<string, unknown>;
		const keys = (meta as { keys?: (string | number)[] }).keys;
		if (!('email' in item) || item['email'] === undefined || !keys?.length || currentFlow()) return payload;
		const { database, accountability } = context as unknown as WriteContext;
		const rows: UserRow[] = await database(USERS_TABLE).select(USER_FIELDS).whereIn('id', keys.map(String));
		const own = accountability?.user;
		if (own) {
			const mine = rows.find((row) => row.id === own);
			// The same address written again changes nothing (a form that sends every field).
			if (mine && mine.email !== item['email']) throw ownEmailRefused();
		}
		const next = typeof item['email'] === 'string' ? item['email'].toLowerCase() : null;
		const moving = rows.filter((row): row is Addressed => !!row.email && row.email.toLowerCase() !== next);
		if (moving.length > 0) replacing.set(keys, moving);
		return payload;
	});

	register.action('users.update', async (meta, context) => {
		const keys = (meta as { keys?: object }).keys;
		const moved = keys ? replacing.get(keys) : undefined;
		if (!keys || !moved) return;
		replacing.delete(keys);
		const { accountability } = context as unknown as WriteContext;
		const actor = accountability?.user ?? null;
		const via = accountability ? 'api' : 'host';
		const to = String((meta['payload'] as Record<string, unknown> | undefined)?.['email'] ?? '');
		try {
			await rt.knex.transaction(async (trx) => {
				const client = { ip: null, user_agent: null };
				const notices = [];
				for (const user of moved) if (to !== '') notices.push(await noticeToOldAddress(rt, trx, user, 'changed-by-admin', to, client));
				await rt.outbox.enqueue(trx, notices);
				await recordEvents(trx, moved.map((user) => ({ user: user.id, event: 'email-changed', actor, via, reason: `from ${user.email} to ${to || '(none)'}` })));
			});
			rt.outbox.kick();
			rt.events.emit('email-changed', moved.map((user) => ({ user: user.id, actor, via })));
		} catch (error) {
			rt.logger.error(error, '[user-lifecycle] could not record an email change made by another user');
		}
	});
}
