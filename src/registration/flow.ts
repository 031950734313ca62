// Public registration: the host's settings, our rules, single-use verification tokens, mail
// through the outbox, and the same answer and stall whatever the email's state.
import type { Knex } from 'knex';
import { generateToken } from '../shared/util/crypto.js';
import { InvalidTokenError, isDirectusError } from '../shared/util/errors.js';
import { assertFilter, isPlainObject, matchesFilter } from '../shared/policy/filter.js';
import { assertPasswordPolicy } from '../shared/policy/password.js';
import { decideRegistration } from '../shared/policy/registration-rules.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { recordEvents } from '../shared/audit.js';
import { consumeToken, issueToken, unspentTokenData } from '../shared/tokens.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { isOn, linkWithToken, publicPath, readSettings, stallUntil, type FlowOptions } from '../shared/host.js';
import { findUserByEmail, findUserById } from '../shared/users.js';
import { registrationRefused, verificationUrlNotAllowed } from './errors.js';

export interface RegistrationInput {
	email: string;
	password: string;
	first_name?: string | null;
	last_name?: string | null;
	verification_url?: string;
	/** Fields allowed by USER_LIFECYCLE_REGISTER_FIELDS, already checked by the route. */
	extra: Record<string, unknown>;
}

/** What the token remembers: the status to take once the email is verified. */
interface VerificationData {
	then: 'active' | 'draft';
	first_name?: string | null;
	last_name?: string | null;
}

export async function registerUser(rt: Runtime, input: RegistrationInput, options: FlowOptions): Promise<void> {
	const start = performance.now();
	const { knex, config } = rt;
	if (input.verification_url !== undefined && !isUrlAllowed(input.verification_url, config.registerUrlAllowList)) {
		throw verificationUrlNotAllowed(input.verification_url);
	}
	const settings = await readSettings(knex);
	if (!isOn(settings.public_registration)) throw registrationRefused();

	const payload = { email: input.email, first_name: input.first_name ?? null, last_name: input.last_name ?? null, ...input.extra };
	const emailFilter = settings.public_registration_email_filter;
	const decision = decideRegistration(config.registerRules, payload);
	if (emailFilter && isPlainObject(emailFilter) && Object.keys(emailFilter).length > 0) {
		assertFilter(emailFilter, 'public_registration_email_filter');
		if (!matchesFilter(emailFilter, { email: input.email })) return deny(start, config.registerStallMs);
	}
	if (decision?.action === 'deny') return deny(start, config.registerStallMs);
	// Checked before looking the email up, so a weak password is refused alike for new and taken emails.
	try {
		assertPasswordPolicy(input.password, settings.auth_password_policy);
	} catch (error) {
		await stallUntil(start, config.registerStallMs);
		throw error;
	}

	const existing = await findUserByEmail(knex, input.email);
	if (!existing) {
		const verify = isOn(settings.public_registration_verify_email);
		const then = decision?.action === 'allow' && decision.status === 'draft' ? 'draft' : 'active';
		const role = (decision?.action === 'allow' ? decision.role : undefined) ?? settings.public_registration_role ?? null;
		try {
			await createRegisteredUser(rt, options, {
				user: { ...input.extra, email: input.email, password: input.password, first_name: payload.first_name, last_name: payload.last_name, role, status: verify && then === 'active' ? 'unverified' : then },
				verification: verify ? { then, url: input.verification_url, first_name: payload.first_name, last_name: payload.last_name } : null,
			});
		} catch (error) {
			// A concurrent registration of the same email won the unique index: answer as for a taken email.
			if (!isDirectusError(error, 'RECORD_NOT_UNIQUE')) throw error;
		}
	}
	await stallUntil(start, config.registerStallMs);
}

async function deny(start: number, stallMs: number): Promise<never> {
	await stallUntil(start, stallMs);
	throw registrationRefused();
}

async function createRegisteredUser(
	rt: Runtime,
	options: FlowOptions,
	input: { user: Record<string, unknown>; verification: (VerificationData & { url?: string }) | null },
): Promise<void> {
	const schema = options.schema ?? (await rt.getSchema());
	await runAsFlow({ via: 'registration', actor: null }, () =>
		rt.knex.transaction(async (trx) => {
			const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
			const userId = (await users.createOne(input.user)) as string;
			if (input.verification) {
				const { url, ...data } = input.verification;
				await queueVerificationMail(rt, trx, { userId, email: String(input.user['email']), url, data });
			}
		}),
	);
	rt.outbox.kick();
}

async function queueVerificationMail(
	rt: Runtime,
	trx: Knex,
	input: { userId: string; email: string; url?: string; data: VerificationData },
): Promise<void> {
	const secret = generateToken();
	await issueToken(trx, { kind: 'verify-email', userId: input.userId, secret, ttlMs: rt.config.verificationTokenTtlMs, data: { ...input.data } });
	const base = input.url ?? defaultVerificationUrl(rt);
	await rt.outbox.enqueue(trx, [
		{
			kind: 'verify-email',
			to: input.email,
			subject: 'Verify your email address',
			template: {
				name: 'user-registration',
				data: { url: linkWithToken(base, secret), email: input.email, first_name: input.data.first_name ?? null, last_name: input.data.last_name ?? null },
			},
		},
	]);
}

/** The host's own verification link when we serve the host's routes; ours otherwise. */
export function defaultVerificationUrl(rt: Runtime): string {
	return rt.config.nativeRoutes ? publicPath(rt, 'users', 'register', 'verify-email') : publicPath(rt, 'user-lifecycle', 'register', 'verify-email');
}

/** Spends a verification token; the user becomes `active`, or `draft` when a rule held it for approval. */
export async function verifyEmail(rt: Runtime, token: string, options: FlowOptions): Promise<string> {
	const schema = options.schema ?? (await rt.getSchema());
	return runAsFlow({ via: 'registration', actor: null }, () =>
		rt.knex.transaction(async (trx) => {
			const spent = await consumeToken(trx, 'verify-email', token);
			const user = await findUserById(trx, spent.userId);
			// An account held for approval is created `draft` (the table has no unverified -> draft)
			// and stays so: its verified email is recorded, an admin then approves it.
			if (user && user.status === 'draft' && spent.data['then'] === 'draft') {
				await recordEvents(trx, [{ user: user.id, event: 'email-verified', actor: null, via: 'registration' }]);
				return user.id;
			}
			if (!user || user.status !== 'unverified') throw new InvalidTokenError();
			const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
			await users.updateOne(user.id, { status: 'active' });
			return user.id;
		}),
	);
}

/** A fresh verification mail for an unverified user; answers alike for every email. */
export async function resendVerification(rt: Runtime, input: { email: string; verification_url?: string }, _options: FlowOptions): Promise<void> {
	const start = performance.now();
	const { knex, config } = rt;
	if (input.verification_url !== undefined && !isUrlAllowed(input.verification_url, config.registerUrlAllowList)) {
		throw verificationUrlNotAllowed(input.verification_url);
	}
	const user = await findUserByEmail(knex, input.email);
	// Who waits for a verification: an `unverified` user, or one held for approval (created
	// `draft`) whose address isn't verified yet (its verification token is still unspent).
	const pending = user?.status === 'unverified' || user?.status === 'draft' ? await unspentTokenData(knex, 'verify-email', user.id) : null;
	const then = pending?.['then'] === 'draft' ? 'draft' : 'active';
	if (user?.email && (user.status === 'unverified' || then === 'draft')) {
		const data: VerificationData = {
			then,
			first_name: user.first_name ?? null,
			last_name: user.last_name ?? null,
		};
		const email = user.email;
		await knex.transaction((trx) => queueVerificationMail(rt, trx, { userId: user.id, email, url: input.verification_url, data }));
		rt.outbox.kick();
	}
	await stallUntil(start, config.registerStallMs);
}
