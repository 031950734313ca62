// Every password written through the host's services meets the policy: the `users.create` and
// `users.update` filters run for its REST and GraphQL doors (a user's own PATCH /users/me, an
// admin's POST|PATCH /users, batches), the host's own invite accept and reset, Flows (their
// Create/Update Data on directus_users emit events: the status capability keeps them so) and other
// extensions' UsersService and ItemsService, and for our own flows' writes. The host runs them
// before its permission check, inside the write's transaction where there is one: a refusal
// writes nothing, and a link spent in the same transaction stays unspent.
import type { Accountability, RegisterFunctions, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { probeUsersWrite } from '../shared/may-write.js';
import type { PasswordOwner } from '../shared/password-policy.js';
import type { Runtime } from '../shared/runtime.js';
import { USERS_TABLE } from '../shared/users.js';
import { chunks } from '../shared/util/batch.js';
import { isDirectusError } from '../shared/util/errors.js';

interface Context {
	database?: Knex;
	schema?: SchemaOverview;
	accountability?: Accountability | null;
}

type Payload = Record<string, unknown>;

/** The password a write sets, as the host will hash it (it skips an empty value), or null. */
export function passwordOf(payload: unknown): string | null {
	if (typeof payload !== 'object' || payload === null) return null;
	const value = (payload as Payload)['password'];
	return value ? String(value) : null;
}

const text = (value: unknown) => (typeof value === 'string' ? value : null);

/** The owner a write leaves behind: its own values where it sets them, the stored ones otherwise. */
function ownerAfter(payload: Payload, stored: PasswordOwner = {}): PasswordOwner {
	const pick = (field: keyof PasswordOwner) => (field in payload ? text(payload[field]) : (stored[field] ?? null));
	return { email: pick('email'), first_name: pick('first_name'), last_name: pick('last_name') };
}

async function storedOwners(database: Knex, keys: readonly (string | number)[]): Promise<PasswordOwner[]> {
	const owners: PasswordOwner[] = [];
	for (const batch of chunks(keys, 500)) owners.push(...(await database(USERS_TABLE).select('email', 'first_name', 'last_name').whereIn('id', batch)));
	return owners;
}

export function registerPasswordFilters(register: RegisterFunctions, rt: Runtime): void {
	register.filter('users.create', async (payload, _meta, context) => {
		const password = passwordOf(payload);
		if (password === null) return payload;
		await rt.passwordPolicy.check(password, [ownerAfter(payload as Payload)], { knex: (context as Context).database ?? rt.knex });
		return payload;
	});

	register.filter('users.update', async (payload, meta, context) => {
		const password = passwordOf(payload);
		if (password === null) return payload;
		const { database = rt.knex, accountability = null, schema } = context as Context;
		const keys = ((meta as { keys?: (string | number)[] }).keys ?? []).map(String);
		const owners = (await storedOwners(database, keys)).map((stored) => ownerAfter(payload as Payload, stored));
		try {
			await rt.passwordPolicy.check(password, owners, { knex: database });
		} catch (error) {
			// A refusal over the owner's own words would tell a caller who may not write this user
			// something about them: such a caller gets the host's refusal (403) instead.
			if (isOwnersWord(error) && !(await mayWritePassword(rt, database, schema, accountability, keys, password))) return payload;
			throw error;
		}
		return payload;
	});
}

function isOwnersWord(error: unknown): boolean {
	if (!isDirectusError(error, 'PASSWORD_POLICY')) return false;
	const extensions = (error as { extensions?: { rule?: string; source?: string } }).extensions;
	return extensions?.rule === 'context' && extensions.source !== 'project_name';
}

/** Whether the caller may hear about these users' words: the system, admins and the user themselves; anyone else if the host lets them write that password. */
async function mayWritePassword(rt: Runtime, database: Knex, schema: SchemaOverview | undefined, accountability: Accountability | null, keys: string[], password: string): Promise<boolean> {
	if (!accountability || accountability.admin || (keys.length === 1 && keys[0] === accountability.user)) return true;
	try {
		await probeUsersWrite(rt, database, schema ?? (await rt.getSchema()), accountability, (users, stop) => users.updateMany(keys, { password }, { emitEvents: false, ...stop } as never));
		return true;
	} catch (error) {
		return !isDirectusError(error, 'FORBIDDEN');
	}
}
