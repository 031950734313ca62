// Signing a user in without the host's password login (a passkey, an email link): the same
// answer, cookies, session row, access-token claims and activity row as the host's
// `POST /auth/login`, so the host's refresh, logout and every route accept the session. The host
// offers no service for it; its login service always verifies a password. What the host decides
// (its secret, the access a user's policies give, the `auth.jwt` filter other
// extensions shape tokens with, its licence lock) is asked of the running host itself.
import type { Response } from 'express';
import jwt from 'jsonwebtoken';
import { InvalidCredentialsError, ResourceRestrictedError } from '@directus/errors';
import type { HostRequest } from './http.js';
import { importFromHost } from './host-modules.js';
import type { Runtime } from './runtime.js';
import { generateToken } from './util/crypto.js';

export type LoginMode = 'json' | 'cookie' | 'session';

/** The host's login answer body: `{ data: { access_token?, refresh_token?, expires } }`. */
export interface LoginAnswer {
	data: { access_token?: string; refresh_token?: string; expires: number };
}

type GlobalAccess = { app: boolean; admin: boolean };

interface HostAuthParts {
	secret(): string;
	ms(value: unknown): number;
	globalAccess(user: string, role: string | null, ip: string | null, knex: unknown): Promise<GlobalAccess>;
	licenceLocked(): Promise<boolean>;
	emitFilter(event: string, payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>): Promise<unknown>;
}

let parts: Promise<HostAuthParts> | null = null;

async function hostAuthParts(): Promise<HostAuthParts> {
	const has = (name: string) => (module: Record<string, unknown>) => typeof module[name] !== 'undefined';
	const [secret, ms, access, roles, licence, emitter] = await Promise.all([
		importFromHost<Record<string, unknown>>('utils/get-secret', has('getSecret')),
		importFromHost<Record<string, unknown>>('utils/get-milliseconds', has('getMilliseconds')),
		importFromHost<Record<string, unknown>>('permissions/modules/fetch-global-access/fetch-global-access', has('fetchGlobalAccess')),
		importFromHost<Record<string, unknown>>('permissions/lib/fetch-roles-tree', has('fetchRolesTree')),
		importFromHost<Record<string, unknown>>('license/manager', has('getLicenseManager')),
		importFromHost<Record<string, unknown>>('emitter', has('emitFilter')),
	]);
	type Fn = (...args: unknown[]) => unknown;
	const fetchRolesTree = roles.module['fetchRolesTree'] as Fn;
	const fetchGlobalAccess = access.module['fetchGlobalAccess'] as Fn;
	const host = emitter.module as unknown as { emitFilter: HostAuthParts['emitFilter'] };
	return {
		secret: secret.module['getSecret'] as () => string,
		ms: (value) => (ms.module['getMilliseconds'] as (v: unknown, fallback?: number) => number)(value, 0),
		globalAccess: async (user, role, ip, knex) => {
			const tree = (await fetchRolesTree(role, { knex })) as string[];
			return (await fetchGlobalAccess({ roles: tree, user, ip }, { knex })) as GlobalAccess;
		},
		licenceLocked: async () => {
			const manager = (licence.module['getLicenseManager'] as () => { isLocked(): Promise<boolean> })();
			return manager.isLocked();
		},
		emitFilter: (event, payload, meta, context) => host.emitFilter(event, payload, meta, context),
	};
}

export function loginMode(value: unknown): LoginMode {
	return value === 'cookie' || value === 'session' ? value : 'json';
}

/**
 * Opens a host session for an `active` user the caller already proved (a passkey, an email link;
 * every other check, two-factor included, is the caller's) and answers as the host's login does.
 * `method` names the way in for the `auth.jwt` filter's `provider` (`user-lifecycle-passkey`).
 * `opened`, when given, is told the new session's token (the refresh token, or the session
 * cookie's session) once its row exists, for a capability that remembers how a session began; it
 * must keep only a hash of it.
 */
export async function openHostSession(
	rt: Runtime,
	req: HostRequest,
	res: Response,
	input: { userId: string; mode: LoginMode; method: string; opened?: (sessionToken: string) => Promise<void> },
): Promise<LoginAnswer> {
	const host = await (parts ??= hostAuthParts().catch((error) => {
		parts = null;
		throw error;
	}));
	const ttls = rt.config.loginTtls;
	const cookies = rt.config.loginCookies;
	const knex = rt.knex;
	const user = await knex('directus_users').select('id', 'role', 'status', 'tfa_secret').where({ id: input.userId }).first();
	if (!user || user.status !== 'active') throw new InvalidCredentialsError();
	const accountability = req.accountability ?? null;
	const ip = accountability?.ip ?? null;
	const access = await host.globalAccess(user.id, user.role ?? null, ip, knex);
	if (!access.admin && (await host.licenceLocked())) throw new ResourceRestrictedError({ category: 'login' });

	const claims: Record<string, unknown> = { id: user.id, role: user.role ?? null, app_access: access.app, admin_access: access.admin };
	if (!user.tfa_secret) {
		const enforced = await knex('directus_users')
			.select('directus_policies.enforce_tfa')
			.leftJoin('directus_roles', 'directus_users.role', 'directus_roles.id')
			.leftJoin('directus_access', 'directus_roles.id', 'directus_access.role')
			.leftJoin('directus_policies', 'directus_access.policy', 'directus_policies.id')
			.where('directus_users.id', user.id)
			.where('directus_policies.enforce_tfa', true)
			.first();
		if (enforced) claims['enforce_tfa'] = true;
	}
	const refreshToken = generateToken(48); // 64 characters, as the host's
	if (input.mode === 'session') claims['session'] = refreshToken;
	const context = { database: knex, schema: req.schema ?? null, accountability };
	const shaped = (await host.emitFilter('auth.jwt', claims, { status: 'pending', user: user.id, provider: input.method, type: 'login' }, context)) as Record<string, unknown>;
	const ttl = input.mode === 'session' ? ttls.session : ttls.access;
	const accessToken = jwt.sign(shaped, host.secret(), { expiresIn: ttl as never, issuer: 'directus' });
	await knex('directus_sessions').insert({
		token: refreshToken,
		user: user.id,
		expires: new Date(Date.now() + host.ms(ttls.refresh)),
		ip,
		user_agent: accountability?.userAgent ?? null,
		origin: accountability?.origin ?? null,
	});
	// As the host's login does on every sign-in: sessions past their end go.
	await knex('directus_sessions').delete().where('expires', '<', new Date());
	await input.opened?.(refreshToken);
	const { ActivityService } = rt.services as unknown as { ActivityService: new (options: Record<string, unknown>) => { createOne(data: Record<string, unknown>): Promise<unknown> } };
	await new ActivityService({ knex, schema: req.schema ?? (await rt.getSchema()) }).createOne({
		action: 'login',
		user: user.id,
		ip,
		user_agent: accountability?.userAgent ?? null,
		origin: accountability?.origin ?? null,
		collection: 'directus_users',
		item: user.id,
	});
	await knex('directus_users').update({ last_access: new Date() }).where({ id: user.id });

	const expires = host.ms(ttl);
	const answer: LoginAnswer = { data: { expires } };
	if (input.mode === 'json') {
		answer.data.refresh_token = refreshToken;
		answer.data.access_token = accessToken;
	}
	if (input.mode === 'cookie') {
		res.cookie(cookies.refresh.name, refreshToken, cookies.refresh.options);
		answer.data.access_token = accessToken;
	}
	if (input.mode === 'session') res.cookie(cookies.session.name, accessToken, cookies.session.options);
	return answer;
}
