// Public registration: the host's settings, our rules, single-use verification links, mail
// through the outbox, and the same answer and stall whatever the email's state. Registering an
// address whose verification is still pending contests it: the pending password is dropped (no
// registrant's password is ever activated by a link then), the new registrant's names and extra
// fields are written, earlier links die and a fresh one goes out; the mailbox holder chooses the
// password when verifying. Verification mails share the per-address mail throttle with reset
// mails; past it only the contest is recorded (no mail, no names, the earlier links stay live).
import type { SchemaOverview } from '@directus/types';
import type { Knex } from 'knex';
import { generateToken } from '../shared/util/crypto.js';
import { InvalidPayloadError, InvalidTokenError, isDirectusError } from '../shared/util/errors.js';
import { assertFilter, isPlainObject } from './filter.js';
import { decideRegistration, matchesRegistrationFilter } from './rules.js';
import { isUrlAllowed } from '../shared/policy/url-allow-list.js';
import type { Runtime } from '../shared/runtime.js';
import { recordEvents } from '../shared/audit.js';
import { clearPendingFlow, markPendingFlow, pendingFlowsOf } from '../shared/pending-flows.js';
import { consumeToken, issueToken, revokeTokens } from '../shared/link-tokens.js';
import { runAsFlow } from '../shared/flow-scope.js';
import { takeMailSlot } from '../shared/mail-throttle.js';
import { isOn, linkWithToken, publicPath, readSettings, stallUntil, type FlowOptions } from '../shared/host.js';
import { findUserByEmail, findUserById, USERS_TABLE, type UserRow } from '../shared/users.js';
import { firstMissingReference, userColumns } from './columns.js';
import { passwordMustBeChosen, registrationRefused, verificationUrlNotAllowed } from './errors.js';
import { firstFieldProblem } from './user-fields.js';

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

/**
 * Registers `input`. Every outcome — 204, a refused value (400), a denied email (403) — comes
 * `REGISTER_STALL_TIME` after `startedAt` (the route passes the request's start, so a body refused
 * by its schema waits too).
 */
export async function registerUser(rt: Runtime, input: RegistrationInput, options: FlowOptions, startedAt = performance.now()): Promise<void> {
	try {
		await register(rt, input, options);
	} finally {
		await stallUntil(startedAt, rt.config.registerStallMs);
	}
}

async function register(rt: Runtime, input: RegistrationInput, options: FlowOptions): Promise<void> {
	const { knex, config } = rt;
	if (input.verification_url !== undefined && !isUrlAllowed(input.verification_url, config.registerUrlAllowList)) {
		throw verificationUrlNotAllowed(input.verification_url);
	}
	const settings = await readSettings(knex);
	if (!isOn(settings.public_registration)) throw registrationRefused();

	const schema = options.schema ?? (await rt.getSchema());
	const payload: Record<string, unknown> = { ...input.extra, email: input.email, first_name: input.first_name ?? null, last_name: input.last_name ?? null };
	// Before the email is looked up: what the database would refuse is refused alike for new and taken emails.
	await assertStorable(rt, schema, payload);

	const emailFilter = settings.public_registration_email_filter;
	if (emailFilter && isPlainObject(emailFilter) && Object.keys(emailFilter).length > 0) {
		assertFilter(emailFilter, 'public_registration_email_filter');
		if (!matchesRegistrationFilter(emailFilter, { email: input.email })) throw registrationRefused();
	}
	const decision = decideRegistration(config.registerRules, payload);
	if (decision?.action === 'deny') throw registrationRefused();
	// Checked before looking the email up, so a weak password is refused alike for new and taken emails.
	await rt.passwordPolicy.check(input.password, [{ email: input.email, first_name: input.first_name, last_name: input.last_name }]);

	const verify = isOn(settings.public_registration_verify_email);
	const then = decision?.action === 'allow' && decision.status === 'draft' ? 'draft' : 'active';
	const role = (decision?.action === 'allow' ? decision.role : undefined) ?? settings.public_registration_role ?? null;
	const via = options.via ?? 'api';
	const registrant = { password: input.password, first_name: input.first_name ?? null, last_name: input.last_name ?? null, extra: input.extra, url: input.verification_url };
	// Twice at most: a concurrent registration of the same email may win the unique index between
	// the lookup and the insert; the second round then treats the email as taken.
	for (let round = 0; round < 2; round++) {
		const existing = await findUserByEmail(knex, input.email);
		if (existing) return registerAgain(rt, schema, existing, registrant, via);
		try {
			return await createRegisteredUser(rt, schema, via, {
				user: { ...input.extra, email: input.email, password: input.password, first_name: registrant.first_name, last_name: registrant.last_name, role, status: verify && then === 'active' ? 'unverified' : then },
				verification: verify ? { then, url: input.verification_url, first_name: registrant.first_name, last_name: registrant.last_name } : null,
			});
		} catch (error) {
			if (!isDirectusError(error, 'RECORD_NOT_UNIQUE')) throw error;
		}
	}
}

/** 400 for a value the host's `directus_users` can't store: too long, wrong type, control characters, a dangling reference. */
async function assertStorable(rt: Runtime, schema: SchemaOverview, values: Record<string, unknown>): Promise<void> {
	const problem = firstFieldProblem(values, await userColumns(rt, schema)) ?? (await firstMissingReference(rt.knex, schema, values));
	if (problem) throw new InvalidPayloadError({ reason: problem });
}

async function createRegisteredUser(
	rt: Runtime,
	schema: SchemaOverview,
	via: string,
	input: { user: Record<string, unknown>; verification: (VerificationData & { url?: string }) | null },
): Promise<void> {
	const userId = await runAsFlow({ via: 'registration', actor: null }, () =>
		rt.knex.transaction(async (trx) => {
			const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
			const userId = (await users.createOne(input.user)) as string;
			if (input.verification) {
				const { url, ...data } = input.verification;
				// Held for approval: the account is `draft` from the start; this record keeps an
				// approval from activating it before the address is verified.
				if (data.then === 'draft') await markPendingFlow(trx, [userId], 'verification');
				// A new id's slots are all free: the first mail always goes, and counts toward the address's budget.
				await takeMailSlot(trx, userId, rt.config.mailMaxPerHour, Date.now());
				const language = typeof input.user['language'] === 'string' ? input.user['language'] : null;
				await queueVerificationMail(rt, trx, { userId, email: String(input.user['email']), language, url, data, newUser: true });
			}
			return userId;
		}),
	);
	rt.outbox.kick();
	rt.events.emit('registered', { user: userId, actor: null, via, status: String(input.user['status']), role: (input.user['role'] as string | null) ?? null, verification: input.verification !== null });
}

/** The new registrant of an address: what replaces the pending registration's values. */
interface Registrant {
	password: string;
	first_name: string | null;
	last_name: string | null;
	extra: Record<string, unknown>;
	url?: string;
}

/** Rolls back a re-registration that lost the account to a verification meanwhile. */
class NoLongerPending extends Error {}

/**
 * A registration of a taken email. When the address is still waiting for its verification, the
 * registration is contested: the pending password is dropped and nobody's password replaces it
 * (a link then activates no registrant's password: the one who verifies chooses it), earlier
 * links die, the new registrant's names and extra fields are written (through the host) and a
 * fresh link goes to the address. Past the address's mail throttle only the password is dropped
 * (once): no mail, no names, and the earlier links keep working — they ask for a password now.
 * Any other account is left alone and gets no mail.
 */
async function registerAgain(rt: Runtime, schema: SchemaOverview, user: UserRow, registrant: Registrant, via: string): Promise<void> {
	if (!(await verificationPending(rt.knex, user))) return;
	let status: string | null;
	try {
		status = await runAsFlow({ via: 'registration', actor: null }, () =>
			rt.knex.transaction(async (trx) => {
				// Past the throttle the earlier links stay live (otherwise asking again would kill the only working link).
				const mails = await takeMailSlot(trx, user.id, rt.config.mailMaxPerHour, Date.now());
				// The tokens first, then the user: the order verifyEmail takes them in (it spends a
				// token, then moves the user), so a verification running now finishes first and is seen below.
				if (mails) await revokeTokens(trx, 'verify-email', [user.id]);
				const then = await verificationPending(trx, await findUserById(trx, user.id));
				if (!then || !user.email) throw new NoLongerPending();
				if (!mails && (await isContested(trx, user.id))) return null;
				const users = new rt.services.UsersService({ knex: trx, schema, accountability: null });
				const values = mails ? { ...registrant.extra, first_name: registrant.first_name, last_name: registrant.last_name } : {};
				await users.updateOne(user.id, { ...values, password: null });
				await recordEvents(trx, [{ user: user.id, event: 'registration-contested', actor: null, via: 'registration', reason: 'Registered again before the address was verified: the password is chosen at verification' }]);
				if (mails) {
					const data: VerificationData = { then, first_name: registrant.first_name, last_name: registrant.last_name };
					const language = typeof registrant.extra['language'] === 'string' ? registrant.extra['language'] : (user.language ?? null);
					await queueVerificationMail(rt, trx, { userId: user.id, email: user.email, language, url: registrant.url, data });
				}
				// Checked again once every write is in: a verification that got in meanwhile (with a
				// link issued after the revocation above) keeps the account as it verified it.
				const after = await findUserById(trx, user.id);
				if ((await verificationPending(trx, after)) !== then) throw new NoLongerPending();
				return mails ? after!.status : null;
			}),
		);
	} catch (error) {
		if (error instanceof NoLongerPending) return;
		throw error;
	}
	if (status === null) return;
	rt.outbox.kick();
	// A new registrant for an address still waiting for its verification: a contested registration, a fresh link.
	rt.events.emit('registered', { user: user.id, actor: null, via, status, role: user.role, verification: true, again: true });
}

/**
 * A pending registration without a password: contested (registered again before its address was
 * verified), so its link verifies only with a password chosen by whoever follows it. Every
 * registration carries a password, and nothing but a contest removes it.
 */
async function isContested(knex: Knex, userId: string): Promise<boolean> {
	return (await knex(USERS_TABLE).select('id').where({ id: userId }).whereNull('password').first()) !== undefined;
}

/**
 * Whether `user`'s address still waits for its verification, and the status verifying it leads
 * to: an `unverified` user (-> `active`), or one held for approval (`draft`) whose verification is
 * recorded as pending (stays `draft`). Null for every other account.
 */
async function verificationPending(knex: Knex, user: UserRow | undefined): Promise<VerificationData['then'] | null> {
	if (!user?.email) return null;
	if (user.status === 'unverified') return 'active';
	if (user.status === 'draft' && (await pendingFlowsOf(knex, [user.id])).get(user.id) === 'verification') return 'draft';
	return null;
}

async function queueVerificationMail(
	rt: Runtime,
	trx: Knex,
	input: { userId: string; email: string; language: string | null; url?: string; data: VerificationData; newUser?: boolean },
): Promise<void> {
	const secret = generateToken();
	const ttlMs = rt.config.verificationTokenTtlMs;
	await issueToken(trx, { kind: 'verify-email', userId: input.userId, secret, ttlMs, data: { ...input.data }, newUser: input.newUser });
	const base = input.url ?? defaultVerificationUrl(rt);
	await rt.outbox.enqueue(trx, [{
		kind: 'verify-email',
		template: 'user-registration',
		to: { id: input.userId, email: input.email, first_name: input.data.first_name ?? null, last_name: input.data.last_name ?? null, language: input.language },
		url: linkWithToken(base, secret),
		expiresAt: Date.now() + ttlMs,
	}]);
}

/** The host's own verification link when we serve the host's routes; ours otherwise. */
export function defaultVerificationUrl(rt: Runtime): string {
	return rt.config.nativeRoutes ? publicPath(rt, 'users', 'register', 'verify-email') : publicPath(rt, 'user-lifecycle', 'register', 'verify-email');
}

/**
 * Spends a verification token; the user becomes `active`, or stays `draft` when a rule held it for
 * approval. Either way the verification is no longer pending. A `password` becomes the account's
 * password (the policy applies); a contested registration has none, so without one the answer is
 * 400 PASSWORD_REQUIRED. Every refusal leaves the link usable.
 */
export async function verifyEmail(rt: Runtime, input: { token: string; password?: string }, options: FlowOptions): Promise<string> {
	const schema = options.schema ?? (await rt.getSchema());
	const verified = await runAsFlow({ via: 'registration', actor: null }, () =>
		rt.knex.transaction(async (trx): Promise<{ id: string; status: string }> => {
			const spent = await consumeToken(trx, 'verify-email', input.token);
			const user = await findUserById(trx, spent.userId);
			// An account held for approval is created `draft` (the table has no unverified -> draft)
			// and stays so: its verified email is recorded, an admin then approves it.
			const held = user?.status === 'draft' && spent.data['then'] === 'draft';
			if (!user || (!held && user.status !== 'unverified')) throw new InvalidTokenError();
			// After the token, so a used or expired link says so first; a refusal rolls the spend back.
			if (input.password === undefined && (await isContested(trx, user.id))) throw passwordMustBeChosen();
			if (input.password !== undefined) await rt.passwordPolicy.check(input.password, [user], { knex: trx });
			await clearPendingFlow(trx, [user.id]);
			const changes = { ...(held ? {} : { status: 'active' }), ...(input.password === undefined ? {} : { password: input.password }) };
			if (Object.keys(changes).length > 0) await new rt.services.UsersService({ knex: trx, schema, accountability: null }).updateOne(user.id, changes);
			if (held) await recordEvents(trx, [{ user: user.id, event: 'email-verified', actor: null, via: 'registration' }]);
			return { id: user.id, status: held ? 'draft' : 'active' };
		}),
	);
	rt.events.emit('email-verified', { user: verified.id, actor: null, via: options.via ?? 'api', status: verified.status });
	return verified.id;
}

/**
 * A fresh verification mail for an address still waiting for its verification (earlier links
 * die); nothing for any other, nor past the address's mail throttle. Every outcome comes `REGISTER_STALL_TIME` after `startedAt`.
 */
export async function resendVerification(
	rt: Runtime,
	input: { email: string; verification_url?: string },
	options: FlowOptions,
	startedAt = performance.now(),
): Promise<void> {
	try {
		await resend(rt, input, options);
	} finally {
		await stallUntil(startedAt, rt.config.registerStallMs);
	}
}

/** A verification mail the outbox gave up on, sent again (a fresh link; nothing when the address is no longer pending). */
export async function retryVerificationMail(rt: Runtime, recipient: string, options: FlowOptions): Promise<void> {
	await resend(rt, { email: recipient }, options);
}

async function resend(rt: Runtime, input: { email: string; verification_url?: string }, options: FlowOptions): Promise<void> {
	const { knex, config } = rt;
	if (input.verification_url !== undefined && !isUrlAllowed(input.verification_url, config.registerUrlAllowList)) {
		throw verificationUrlNotAllowed(input.verification_url);
	}
	await assertStorable(rt, options.schema ?? (await rt.getSchema()), { email: input.email });
	const user = await findUserByEmail(knex, input.email);
	const then = await verificationPending(knex, user);
	if (!user?.email || !then) return;
	const data: VerificationData = { then, first_name: user.first_name ?? null, last_name: user.last_name ?? null };
	const email = user.email;
	const queued = await knex.transaction(async (trx) => {
		// Past the throttle nothing happens: no mail, and the link already sent keeps working.
		if (!(await takeMailSlot(trx, user.id, config.mailMaxPerHour, Date.now()))) return false;
		await queueVerificationMail(rt, trx, { userId: user.id, email, language: user.language ?? null, url: input.verification_url, data });
		return true;
	});
	if (queued) rt.outbox.kick();
}
