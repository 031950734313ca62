// Small helpers around the host's settings and schema, shared by every flow.
import type { Accountability, SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import type { Door } from './http.js';
import type { Runtime } from './runtime.js';

export type { Door };

export interface FlowOptions {
	accountability: Accountability | null;
	schema?: SchemaOverview;
	/** Which door the request came in by (events' `via`); 'api' when not told. */
	via?: Door;
}

export async function schemaFor(rt: Runtime, options: { schema?: SchemaOverview }): Promise<SchemaOverview> {
	return options.schema ?? (await rt.getSchema());
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

/** Runs `work`; its answer, or its error, comes no sooner than `ms` after the start: the same timing whatever happened. */
export async function stalled<T>(ms: number, work: () => Promise<T>): Promise<T> {
	const startedAt = performance.now();
	try {
		return await work();
	} finally {
		await stallUntil(startedAt, ms);
	}
}

/**
 * The link a mail carries: the caller's URL (already allow-listed) or the default, plus `?token=`.
 * Without PUBLIC_URL (the host's default is `/`) the default is a path, and the link stays one, as
 * the host's own mails do then.
 */
export function linkWithToken(url: string, token: string): string {
	const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
	const link = new URL(url, 'http://relative.invalid');
	link.searchParams.set('token', token);
	return absolute ? link.toString() : `${link.pathname}${link.search}${link.hash}`;
}

export function publicPath(rt: Runtime, ...segments: string[]): string {
	const base = rt.config.publicUrl.replace(/\/+$/, '');
	return [base, ...segments].join('/');
}
