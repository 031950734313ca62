// Property-based fuzzing of every route of ours and every host route we serve, REST and GraphQL:
// generated requests (wrong types, huge and control-character strings, unknown keys, arrays,
// non-JSON bodies, other content types, broken path parameters and query strings, GraphQL
// documents and variables), sent anonymously, as the admin, as two API-only users and with a
// bogus token, 3–4 at a time. Properties, for every answer:
//   1. never 5xx (nor a GraphQL INTERNAL_SERVER_ERROR); a 4xx is in the host's error format.
//      A 5xx on a host path that the host answers alike with the extension's routes off (the
//      control host) is the host's own: counted and printed, not failed;
//   2. a batch whose every request was refused wrote nothing (see `fingerprint`);
//   3. no planted secret (passwords, TOTP secret, recovery codes, live invite and verification
//      tokens) in any answer (unless that request carried it) or log line; no error the
//      extension logs;
//   4. (GraphQL) a mutation gets the same answer written plainly or wrapped in fragments.
// The seed is fixed (FUZZ_SEED overrides it) and printed; FUZZ_SCALE scales the number of runs:
// 0.2 by default (about 2,000 requests per database), 1 with CI=true (10,000 and more).
// Bugs found and not yet fixed are in KNOWN_BUGS (counted, not stopping the fuzz) and in
// counterexamples.test.ts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDatabases } from '../../harness/host.js';
import { graphqlDocumentRequest, graphqlEquivalentPair, graphqlMutationRequest, MUTATIONS, restRequest, type FuzzRequest, type Pools, type RouteDef } from './arbitraries.js';
import { fingerprint, KNOWN_BUGS, outcome, problems, send, settle, signature, startFuzzHost, show as describeRequest, wireText, type Answer, type Fuzz } from './fixture.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_260_501);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? (process.env['CI'] === 'true' ? 1 : 0.2));
/** Batches (1 to 4 concurrent requests each) per route property. */
const BATCHES = Math.max(1, Math.round(80 * SCALE));
const SECRET_BATCHES = Math.max(1, Math.round(300 * SCALE));
/** Pairs (plain, wrapped) for the GraphQL equivalence property. */
const PAIRS = Math.max(1, Math.round(80 * SCALE));
const PROPERTY_TIMEOUT = 240_000;

const ours = (method: RouteDef['method'], path: string, fields: string[] = [], extra: Partial<RouteDef> = {}): RouteDef => ({
	name: `${method} /user-lifecycle${path}`,
	method,
	path: `/user-lifecycle${path}`,
	fields,
	...extra,
});
const hosts = (method: 'GET' | 'POST', path: string, fields: string[] = [], extra: Partial<RouteDef> = {}): RouteDef => ({ name: `${method} ${path} (host's)`, method, path, fields, ...extra });

const REGISTER_FIELDS = ['email', 'password', 'first_name', 'last_name', 'verification_url', 'title'];

export const ROUTES: readonly RouteDef[] = [
	ours('POST', '/register', REGISTER_FIELDS),
	ours('POST', '/register/verify-email', ['token', 'password'], { spends: ['verification'] }),
	ours('GET', '/register/verify-email', [], { queryToken: true, spends: ['verification'] }),
	ours('GET', '/register/choose-password.js'),
	ours('GET', '/register/choose-password.css'),
	ours('POST', '/register/resend', ['email', 'verification_url']),
	ours('POST', '/invite', ['email', 'role', 'invite_url', 'expires_in']),
	ours('POST', '/invite/accept', ['token', 'password', 'first_name', 'last_name'], { spends: ['invite'] }),
	ours('POST', '/invite/resend', ['user', 'invite_url', 'expires_in']),
	ours('POST', '/invite/revoke', ['user']),
	ours('GET', '/invites'),
	ours('POST', '/tfa/generate', ['password']),
	ours('POST', '/tfa/enable', ['secret', 'otp']),
	ours('POST', '/tfa/disable', ['otp', 'recovery_code']),
	ours('POST', '/tfa/recovery-codes', ['otp']),
	ours('GET', '/tfa'),
	ours('POST', '/login', ['email', 'password', 'recovery_code', 'mode']),
	ours('POST', '/users/:id/tfa/reset'),
	ours('POST', '/users/:id/status', ['status', 'reason', 'until']),
	ours('GET', '/users/:id/events'),
	ours('GET', '/events'),
	ours('GET', '/suspensions'),
	ours('GET', '/login-locks'),
	ours('GET', '/outbox'),
	ours('GET', '/sessions'),
	ours('GET', '/users/:id/sessions'),
	// `:id` here is where a session id goes: what the generator puts there is never a live one.
	ours('DELETE', '/sessions/:id'),
	ours('DELETE', '/sessions'),
	ours('DELETE', '/users/:id/sessions'),
	ours('POST', '/password/request', ['email', 'reset_url']),
	ours('POST', '/password/reset', ['token', 'password']),
	ours('POST', '/email-change', ['email', 'password', 'otp', 'confirm_url']),
	ours('POST', '/email-change/confirm', ['token']),
	ours('GET', '/email-change/confirm', [], { queryToken: true }),
	ours('POST', '/email-change/revert', ['token']),
	ours('GET', '/email-change/revert', [], { queryToken: true }),
	ours('GET', '/sign-ins'),
	ours('POST', '/notices/not-me', ['token']),
	ours('GET', '/notices/not-me', [], { queryToken: true }),
	ours('POST', '/email-sign-in/request', ['email', 'sign_in_url']),
	// The two shapes of a sign-in (a link, a code), each fuzzed on its own; a body of both is a 400 either way.
	ours('POST', '/email-sign-in/verify', ['token', 'mode', 'otp'], { spends: ['sign-in'] }),
	ours('POST', '/email-sign-in/verify', ['email', 'code', 'mode', 'otp'], { name: 'POST /user-lifecycle/email-sign-in/verify (code)' }),
	ours('POST', '/passkeys/registration/options', ['password', 'otp']),
	ours('POST', '/passkeys/registration/verify', ['response', 'name']),
	ours('GET', '/passkeys'),
	// `:id` here is where a passkey id goes: what the generator puts there is never one.
	ours('PATCH', '/passkeys/:id', ['name']),
	ours('DELETE', '/passkeys/:id', ['password', 'otp']),
	ours('GET', '/users/:id/passkeys'),
	ours('DELETE', '/users/:id/passkeys/00000000-0000-4000-8000-000000000000'),
	ours('POST', '/passkeys/sign-in/options', ['email']),
	ours('POST', '/passkeys/sign-in/verify', ['response', 'mode', 'otp']),
	ours('GET', '/sign-in', [], { queryToken: true }),
	ours('GET', '/sign-in.js'),
	ours('GET', '/sign-in.css'),
	hosts('POST', '/users/register', REGISTER_FIELDS),
	hosts('GET', '/users/register/verify-email', [], { queryToken: true, spends: ['verification'] }),
	hosts('POST', '/users/invite', ['email', 'role', 'invite_url']),
	hosts('POST', '/users/invite/accept', ['token', 'password'], { spends: ['invite'] }),
	hosts('POST', '/users/me/tfa/generate', ['password']),
	hosts('POST', '/users/me/tfa/enable', ['secret', 'otp']),
	hosts('POST', '/users/me/tfa/disable', ['otp', 'recovery_code']),
	hosts('POST', '/users/:id/tfa/disable'),
	hosts('POST', '/auth/password/request', ['email', 'reset_url']),
	hosts('POST', '/auth/password/reset', ['token', 'password']),
];

interface RouteStats {
	requests: number;
	success: number;
	refused: number;
	byStatus: Record<string, number>;
	refusedBatchesChecked: number;
	echoes: number;
	hostOwn: number;
	maxMs: number;
}

const dbs = (await availableDatabases()).filter((db) => db === 'sqlite' || db === 'postgres');

describe.each(dbs)('fuzzing every route on %s', (db) => {
	let fuzz: Fuzz;
	let baseline = '';
	let seedOffset = 0;
	const stats = new Map<string, RouteStats>();
	/** 5xx answers the host gives alike without the extension's routes (one example each). */
	const hostOwn = new Map<string, string>();
	/** Known bugs (KNOWN_BUGS) the fuzz ran into, by id. */
	const knownHits = new Map<string, number>();
	/** A planted secret the request itself carried, named back in the answer (first example per route). */
	const echoes = new Map<string, string>();
	const started = Date.now();

	beforeAll(async () => {
		fuzz = await startFuzzHost(db);
		console.log(`[fuzz ${db}] fast-check seed ${SEED} (FUZZ_SEED), ${BATCHES} batches per route, ${SECRET_BATCHES} for the planted-secrets property; set-up took ${((Date.now() - started) / 1000).toFixed(1)} s`);
		const leaked = fuzz.planted.all.filter((s) => fuzz.host.logs().includes(s));
		expect(leaked, 'planted secrets in the log after set-up').toEqual([]);
		baseline = await settle(fuzz);
	});

	afterAll(async () => {
		if (stats.size > 0) {
			let total = 0;
			const lines = [...stats.entries()].map(([name, s]) => {
				total += s.requests;
				const statuses = Object.entries(s.byStatus).sort().map(([k, v]) => `${k}:${v}`).join(' ');
				return `  ${name.padEnd(52)} ${String(s.requests).padStart(5)} req  ${String(s.success).padStart(4)} ok  ${String(s.refusedBatchesChecked).padStart(4)} refused batches checked  [${statuses}]${s.echoes ? `  echoes:${s.echoes}` : ''}${s.hostOwn ? `  host's own 5xx:${s.hostOwn}` : ''}  max ${Math.round(s.maxMs)} ms`;
			});
			console.log(`[fuzz ${db}] ${total} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})\n${lines.join('\n')}`);
			if (echoes.size > 0) console.log(`[fuzz ${db}] answers naming a secret the request itself carried (allowed):\n${[...echoes.entries()].map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
			if (hostOwn.size > 0) console.log(`[fuzz ${db}] answers the host gives alike on its own (not counted as failures):\n${[...hostOwn.entries()].map(([k, v]) => `  ${k}\n    e.g. ${v}`).join('\n')}`);
		}
		await fuzz?.host.stop();
		await fuzz?.control.stop();
	});

	const record = (name: string, req: FuzzRequest, answer: Answer) => {
		const s = stats.get(name) ?? { requests: 0, success: 0, refused: 0, byStatus: {}, refusedBatchesChecked: 0, echoes: 0, hostOwn: 0, maxMs: 0 };
		stats.set(name, s);
		s.requests++;
		if (outcome(req, answer) === 'success') s.success++;
		else s.refused++;
		s.byStatus[answer.status] = (s.byStatus[answer.status] ?? 0) + 1;
		s.maxMs = Math.max(s.maxMs, answer.ms);
		return s;
	};

	/** Runs `batches` batches of 3–4 concurrent requests from `arb` and checks the three properties. */
	async function fuzzProperty(name: string, arb: fc.Arbitrary<FuzzRequest>, batches: number, secrets: readonly string[]) {
		const seed = SEED + seedOffset++;
		const logStart = fuzz.host.logs().length;
		await fc.assert(
			fc.asyncProperty(fc.array(arb, { minLength: 3, maxLength: 4, size: 'max' }), async (batch) => {
				const answers = await Promise.all(batch.map((req) => send(fuzz, req)));
				const issues: string[] = [];
				let refusedAll = true;
				for (const [i, req] of batch.entries()) {
					const answer = answers[i]!;
					const s = record(name, req, answer);
					const sent = wireText(req);
					if (secrets.some((secret) => sent.includes(secret) && answer.text.includes(secret))) {
						s.echoes++;
						if (!echoes.has(name)) echoes.set(name, describeRequest(req, answer));
					}
					const known = KNOWN_BUGS.find((bug) => bug.matches(req, answer));
					if (known) {
						knownHits.set(known.id, (knownHits.get(known.id) ?? 0) + 1);
						if (outcome(req, answer) !== 'refused') refusedAll = false;
						continue;
					}
					for (const problem of problems(answer, secrets, sent)) {
						if (problem.kind === 'server' && !req.path.startsWith('/user-lifecycle')) {
							// The host's own handlers (native routes off) answering alike: the host's behaviour.
							const control = await send(await fuzz.control.get(), req);
							if (signature(control) === signature(answer)) {
								s.hostOwn++;
								hostOwn.set(`${name}: ${signature(answer)} ${answer.json?.errors?.[0]?.message ?? ''}`.slice(0, 160), describeRequest(req, answer));
								continue;
							}
							issues.push(`${problem.message} (the host alone answers ${signature(control)}): ${describeRequest(req, answer)}`);
							continue;
						}
						issues.push(`${problem.message}: ${describeRequest(req, answer)}`);
					}
					if (outcome(req, answer) !== 'refused') refusedAll = false;
				}
				if (refusedAll) {
					stats.get(name)!.refusedBatchesChecked++;
					const after = await fingerprint(fuzz);
					if (after !== baseline) {
						issues.push(`a batch of refused requests wrote:\n    before ${baseline}\n    after  ${after}\n  ${batch.map((r, i) => describeRequest(r, answers[i]!)).join('\n  ')}`);
						baseline = await settle(fuzz);
					}
				} else if ((await fingerprint(fuzz)) !== baseline) {
					// Something was written: wait for its after-effects (audit records written after the answer).
					baseline = await settle(fuzz);
				}
				if (issues.length > 0) throw new Error(issues.join('\n'));
			}),
			{ seed, numRuns: batches, endOnFailure: false },
		);
		const newLog = fuzz.host.logs().slice(logStart);
		const leaked = Object.entries(fuzz.planted.byName).filter(([, s]) => newLog.includes(s));
		expect(leaked.map(([n, s]) => `${n}: ${newLog.split('\n').find((line) => line.includes(s))?.slice(0, 300)}`), 'planted secrets in log lines').toEqual([]);
		// An error the extension logged is an exception it did not expect (the host's own are its own).
		const ourErrors = newLog.split('\n').filter((line) => line.includes('"level":50') && line.includes('[user-lifecycle]'));
		expect(ourErrors.map((line) => line.slice(0, 600)), 'errors the extension logged').toEqual([]);
	}

	it('the fingerprint sees a write (sanity check of the "nothing written" property)', async () => {
		const before = await fingerprint(fuzz);
		const id = fuzz.pools.userIds[0]!;
		const { first_name } = await fuzz.host.knex('directus_users').select('first_name').where({ id }).first();
		expect((await fuzz.host.admin('PATCH', `/users/${id}`, { first_name: 'Changed' })).status).toBe(200);
		expect(await fingerprint(fuzz)).not.toBe(before);
		expect((await fuzz.host.admin('PATCH', `/users/${id}`, { first_name })).status).toBe(200);
		baseline = await settle(fuzz);
		expect(baseline).toBe(before);
	});

	for (const route of ROUTES) {
		// A GET without a parameter has little to vary (the caller, a query string): fewer runs.
		const batches = route.method === 'GET' && !route.queryToken && !route.path.includes(':id') ? Math.ceil(BATCHES / 3) : BATCHES;
		it(`${route.name}: no 5xx, refused requests write nothing, no secret comes back`, async () => {
			await fuzzProperty(route.name, restRequest(route, fuzz.pools), batches, fuzz.planted.all);
		}, PROPERTY_TIMEOUT);
	}

	for (const m of MUTATIONS) {
		it(`GraphQL ${m.name} (variables and inline arguments): no internal error, refused mutations write nothing, no secret comes back`, async () => {
			await fuzzProperty(`graphql ${m.name}`, graphqlMutationRequest(m, fuzz.pools), BATCHES, fuzz.planted.all);
		}, PROPERTY_TIMEOUT);
	}

	it('GraphQL documents (broken, mixed, aliased, fragments, directives, batches): no internal error, nothing written, no secret', async () => {
		await fuzzProperty('graphql documents', graphqlDocumentRequest(fuzz.pools), BATCHES, fuzz.planted.all);
	}, PROPERTY_TIMEOUT);

	// A document nested deeper than the extension reads (10 levels) may be refused as a whole
	// (400 GRAPHQL_VALIDATION); it must never be answered by the host's own resolver instead.
	it('GraphQL: a mutation wrapped in fragments, a fragment chain, an alias or a named operation gets the answer it gets written plainly', async () => {
		const answerOf = (a: Answer) => `${a.status} ${a.json?.errors?.[0]?.extensions?.code ?? (a.json?.data ? 'data' : '')}`;
		const differing = new Map<string, string>();
		await fc.assert(
			fc.asyncProperty(graphqlEquivalentPair(fuzz.pools), async ({ plain, wrapped, wrapping, depth }) => {
				const first = await send(fuzz, plain);
				const second = await send(fuzz, wrapped);
				for (const [req, answer] of [[plain, first], [wrapped, second]] as const) {
					record('graphql equivalent documents', req, answer);
					const issues = problems(answer, fuzz.planted.all, wireText(req)).filter((p) => p.kind !== 'server');
					expect(issues.map((p) => `${p.message}: ${describeRequest(req, answer)}`)).toEqual([]);
				}
				const kind = wrapping.replace(/\d+/, 'N');
				const refusedAsTooDeep = depth > 10 && answerOf(second) === '400 GRAPHQL_VALIDATION';
				if (answerOf(first) !== answerOf(second) && !refusedAsTooDeep) {
					const example = `${wrapping}: plain -> ${answerOf(first)}, wrapped -> ${answerOf(second)}\n    ${describeRequest(plain, first)}\n    ${describeRequest(wrapped, second)}`;
					const seen = differing.get(kind);
					if (!seen || example.length < seen.length) differing.set(kind, example);
				}
			}),
			{ seed: SEED + 1000, numRuns: PAIRS },
		);
		baseline = await settle(fuzz);
		expect([...differing.values()], 'answers that change with the wrapping').toEqual([]);
	}, PROPERTY_TIMEOUT);

	it('planted secrets sent in the wrong places (fields, keys, path, ?token=, GraphQL) never reach a log line nor come back unasked', async () => {
		const { planted } = fuzz;
		const spent = (spends: readonly string[] | undefined) => [
			...(spends?.includes('verification') ? [planted.verificationToken] : []),
			...(spends?.includes('invite') ? [planted.inviteToken] : []),
			...(spends?.includes('sign-in') ? [planted.signInToken] : []),
		];
		const withSecrets = (spends: readonly string[] | undefined): Pools => ({ ...fuzz.pools, secrets: planted.all.filter((s) => !spent(spends).includes(s)) });
		const arbs = [
			...ROUTES.map((route) => restRequest(route, withSecrets(route.spends))),
			...MUTATIONS.map((m) => graphqlMutationRequest(m, withSecrets(m.spends))),
			graphqlDocumentRequest(withSecrets(['verification', 'invite'])),
		];
		await fuzzProperty('planted secrets in requests', fc.oneof(...arbs), SECRET_BATCHES, planted.all);
		// The planted tokens were never spent: they stayed live secrets the whole run.
		const live = await fuzz.host.knex('user_lifecycle_tokens').whereNull('consumed_at').whereNull('revoked_at').count({ n: '*' }).first();
		expect(Number(live!.n)).toBeGreaterThanOrEqual(2);
		const signIn = await fuzz.host.knex('user_lifecycle_email_sign_ins').where({ email: 'planted.signin@example.com' }).whereNull('spent_at').whereNull('ended_at');
		expect(signIn).toHaveLength(1);
	}, PROPERTY_TIMEOUT * 2);

	it('no known bug (counterexamples.test.ts) reproduced during the run', () => {
		expect(Object.fromEntries(knownHits)).toEqual({});
	});
});
