// Small helpers around the host's services and settings, shared by every flow.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { ForbiddenError } from '../errors.js';
import type { Runtime } from '../runtime.js';

export interface FlowOptions {
	accountability: Accountability | null;
	schema?: SchemaOverview;
}

export interface UserRow {
	id: string;
	email: string | null;
	status: string;
	role: string | null;
	provider: string;
	first_name?: string | null;
	last_name?: string | null;
}

export async function schemaFor(rt: Runtime, options: { schema?: SchemaOverview }): Promise<SchemaOverview> {
	return options.schema ?? (await rt.getSchema());
}

export async function findUserByEmail(knex: Knex, email: string): Promise<UserRow | undefined> {
	return knex('directus_users')
		.select('id', 'email', 'status', 'role', 'provider', 'first_name', 'last_name')
		.whereRaw('LOWER(??) = ?', ['email', email.toLowerCase()])
		.first();
}

export async function findUserById(knex: Knex, id: string): Promise<UserRow | undefined> {
	return knex('directus_users').select('id', 'email', 'status', 'role', 'provider', 'first_name', 'last_name').where({ id }).first();
}

/**
 * The user as the caller may see it: the host decides, reading through its UsersService with the
 * caller's accountability (its 403 for a user the caller can't read, or that doesn't exist).
 */
export async function readableUser(rt: Runtime, knex: Knex, accountability: Accountability | null, schema: SchemaOverview, id: string): Promise<UserRow> {
	await new rt.services.UsersService({ knex, schema, accountability }).readOne(id, { fields: ['id'] });
	const user = await findUserById(knex, id);
	if (!user) throw new ForbiddenError();
	return user;
}

export type HostSettings = {
	project_name: string | null;
	public_registration: boolean | number | null;
	public_registration_role: string | null;
	public_registration_verify_email: boolean | number | null;
	public_registration_email_filter: unknown;
	auth_password_policy: string | null;
};

export async function readSettings(knex: Knex): Promise<HostSettings> {
	const row = await knex('directus_settings')
		.select('project_name', 'public_registration', 'public_registration_role', 'public_registration_verify_email', 'public_registration_email_filter', 'auth_password_policy')
		.first();
	const settings = (row ?? {}) as HostSettings;
	if (typeof settings.public_registration_email_filter === 'string') {
		try {
			settings.public_registration_email_filter = JSON.parse(settings.public_registration_email_filter);
		} catch {
			settings.public_registration_email_filter = null;
		}
	}
	return settings;
}

export function isOn(value: unknown): boolean {
	return value === true || value === 1 || value === '1' || value === 'true';
}

export async function stallUntil(start: number, ms: number): Promise<void> {
	const remaining = ms - (performance.now() - start);
	if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
}

/** The link a mail carries: the caller's URL (already allow-listed) or the default, plus `?token=`. */
export function linkWithToken(url: string, token: string): string {
	const link = new URL(url);
	link.searchParams.set('token', token);
	return link.toString();
}

export function publicPath(rt: Runtime, ...segments: string[]): string {
	const base = rt.config.publicUrl.replace(/\/+$/, '');
	return [base, ...segments].join('/');
}
