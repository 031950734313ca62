// Generators for the fuzzing suite: request bodies that are almost right (one field wrong at a
// time), wholly wrong (wrong types, huge and control-character strings, unknown keys, arrays,
// non-JSON bodies, other content types), path parameters and query strings, and GraphQL
// documents and variables. Everything is plain data, so a shrunk counterexample prints readably
// and replays as an example-based test.
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { expand, graphqlLiteral, RawNumber, Repeat, toJson } from './values.js';

export type Actor = 'anonymous' | 'admin' | 'api' | 'inviter' | 'bogus';

export type Body =
	| { kind: 'none' }
	| { kind: 'json'; value: unknown }
	| { kind: 'raw'; text: string | Repeat; type: string }
	| { kind: 'bytes'; bytes: Uint8Array; type: string };

export interface FuzzRequest {
	route: string;
	actor: Actor;
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	path: string;
	body: Body;
}

/** What the generators may use: ids, emails and roles of the fixture, and what must never be sent. */
export interface Pools {
	/** Emails of existing users the fuzz may name (targets, actors, the admin); never a planted user's. */
	emails: string[];
	/** Ids of target users (never an actor's, so no actor locks itself out). */
	userIds: string[];
	roles: string[];
	passwords: string[];
	verifyUrl: string;
	inviteUrl: string;
	signInUrl: string;
	/** The host's SECRET: tokens signed with it are what the host itself would have issued. */
	hostSecret: string;
	/** Planted secrets, for the property that sends them in the wrong places (empty elsewhere). */
	secrets: string[];
}

export interface RouteDef {
	name: string;
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	/** Path with `:id` for a user id parameter. */
	path: string;
	/** Body fields the route takes (in the order the route reads them). */
	fields: readonly string[];
	/** GET routes that read `?token=`. */
	queryToken?: boolean;
	/** Planted secrets that would be spent if sent here (excluded from this route in the secrets property). */
	spends?: readonly ('verification' | 'invite' | 'sign-in')[];
}

// ---------------------------------------------------------------------------------------------
// Strings and wrong types

const SPECIAL_STRINGS = [
	'', ' ', '  ', '\t', '\n', '\r\n', '\u0000', 'null', 'undefined', 'true', '0', '-1', 'NaN', '[]', '{}',
	'__proto__', 'constructor', 'prototype', "' OR '1'='1", '"; DROP TABLE directus_users; --', '%00', '%', '_',
	'../../etc/passwd', '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '\uFEFF', '\u202E', '\uD800', '\uDFFF',
	'\u2028', '🙂', 'e\u0301', 'İ', 'ß', '\u00A0', 'Ａ', '*', '\\', '1e999', 'admin@example.com\u0000',
	'$argon2id$v=19$m=1024,t=2,p=1$', 'a\u0000b', '\u001b[31m', 'x'.padEnd(1001, 'x'),
];

/** `arb` one time in `every` (null otherwise). */
export const rarely = <T>(arb: fc.Arbitrary<T>, every = 6): fc.Arbitrary<T | null> => fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

/** URL text stays under Node's 16 KB header limit (a longer one is refused by Node itself with a bare 431). */
const URL_PART_MAX = 3000;

const controlChar = fc.oneof(fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), fc.constant('\u007f'));

/** 1,001 to 300,000 units (the text limits are 1,000 to 4,096; 300,000 emoji pass the host's 1 MB body limit). */
export const hugeString = fc
	.tuple(fc.constantFrom('a', 'é', '🙂', '\u0000', 'ab-', '%', '\uD800', ' '), fc.integer({ min: 1001, max: 300_000 }))
	.map(([unit, times]) => new Repeat(unit, times));

export const nastyString: fc.Arbitrary<string | Repeat> = fc.oneof(
	{ weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
	{ weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
	{ weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
	{ weight: 2, arbitrary: fc.string({ unit: controlChar, minLength: 1, maxLength: 5 }) },
	{ weight: 3, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
	{ weight: 1, arbitrary: hugeString },
);

const rawNumber = fc
	.constantFrom('1e999', '-1e999', '-0', '1e-400', '123456789012345678901234567890', '0.0000001', '1E3', '-9007199254740993', '9007199254740993')
	.map((text) => new RawNumber(text));

function nested(depth: number): unknown {
	let value: unknown = 'deep';
	for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
	return value;
}

/** Anything that is not the string a field wants. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
	fc.integer(),
	fc.double(),
	fc.boolean(),
	fc.constant(null),
	rawNumber,
	fc.constantFrom([], {}, [null], [''], { toString: 'x' }, { length: 1, 0: 'a' }),
	fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
	fc.jsonValue({ maxDepth: 3 }),
	fc.integer({ min: 20, max: 2000 }).map(nested),
);

/** A string with a control character (or another special) spliced in. */
const spliced = (base: fc.Arbitrary<string>) =>
	fc.tuple(base, fc.nat(), fc.oneof(controlChar, fc.constantFrom('\uD800', '\uFEFF', '\u202E', ' ', '\u0000'))).map(([s, at, insert]) => {
		const i = at % (s.length + 1);
		return s.slice(0, i) + insert + s.slice(i);
	});

const unknownKey: fc.Arbitrary<string> = fc.oneof(
	fc.constantFrom(
		'__proto__', 'constructor', 'prototype', 'role', 'status', 'id', 'tfa_secret', 'admin_access', 'policies', 'token',
		'password_confirm', 'Email', 'EMAIL', ' email', 'email ', 'provider', 'external_identifier', 'auth_data', '', 'otp',
		'emails', 'user_id', 'mode', 'expires_in', 'title', 'avatar', '$where', 'email.0',
	),
	fc.string({ maxLength: 20 }),
	nastyString.map(String),
);

// ---------------------------------------------------------------------------------------------
// Values that look right, per field

export function fieldValues(pools: Pools): Record<string, fc.Arbitrary<unknown>> {
	const known = <T>(values: T[], fallback: fc.Arbitrary<T>) => (values.length > 0 ? fc.constantFrom(...values) : fallback);
	const email = fc.oneof(
		{ weight: 3, arbitrary: fc.emailAddress().map((e) => `${e.split('@')[0]}@example.com`) },
		{ weight: 3, arbitrary: fc.uuid().map((u) => `fuzz.${u.slice(0, 8)}@example.com`) },
		{ weight: 3, arbitrary: known(pools.emails, fc.constant('nobody@example.com')) },
		{ weight: 1, arbitrary: known(pools.emails, fc.constant('nobody@example.com')).map((e) => e.toUpperCase()) },
		{ weight: 1, arbitrary: known(pools.emails, fc.constant('nobody@example.com')).map((e) => ` ${e} `) },
		{ weight: 1, arbitrary: fc.uuid().map((u) => `fuzz.${u.slice(0, 8)}@deny.example.com`) },
		{ weight: 1, arbitrary: fc.uuid().map((u) => `fuzz.${u.slice(0, 8)}@review.example.com`) },
		{
			weight: 2,
			arbitrary: fc.constantFrom(
				'a@b', '@example.com', 'a@@example.com', 'a@example..com', 'a b@example.com', 'a@example.com.', '"q"@example.com',
				'a+tag@example.com', 'a@[127.0.0.1]', 'ä@exämple.com', 'A@EXAMPLE.COM', `${'l'.repeat(250)}@example.com`,
			),
		},
	);
	const password = fc.oneof(
		fc.string({ minLength: 1, maxLength: 30 }),
		fc.string({ minLength: 8, maxLength: 16, unit: 'grapheme' }),
		known(pools.passwords, fc.constant('a-long-password')),
	);
	const name = fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null), fc.string({ unit: 'grapheme', maxLength: 10 }));
	const url = (allowed: string) =>
		fc.oneof(
			{ weight: 4, arbitrary: fc.constant(allowed) },
			{
				weight: 3,
				arbitrary: fc.constantFrom(
					`${allowed}?next=/x`, `${allowed}#f`, allowed.replace('https:', 'http:'), allowed.toUpperCase(), `${allowed}/`,
					'https://evil.example.net/verify', 'javascript:alert(1)', '//evil.example.net', `https://app.example.com@evil.example.net/`,
					`${allowed}/../admin`, `${allowed}%2f..`, 'data:text/html,<script>', 'http://[::1]/', 'https://app.example.com:99999/',
				),
			},
			{ weight: 1, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
		);
	const role = fc.oneof(
		{ weight: 4, arbitrary: known(pools.roles, fc.uuid()) },
		{ weight: 2, arbitrary: fc.uuid() },
		{ weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
		{ weight: 1, arbitrary: fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff') },
	);
	const user = fc.oneof(
		{ weight: 4, arbitrary: known(pools.userIds, fc.uuid()) },
		{ weight: 2, arbitrary: fc.uuid() },
		{ weight: 1, arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'me', '1') },
	);
	const b64url = (text: string) => Buffer.from(text).toString('base64url');
	const jwtPayload = fc.record(
		{
			email: email,
			scope: fc.constantFrom('invite', 'password-reset', 'access', 'Invite', ''),
			jti: fc.uuid(),
			exp: fc.constantFrom(1, 4102444800, 2 ** 40),
			id: fc.uuid(),
		},
		{ requiredKeys: [] },
	);
	const token = fc.oneof(
		{ weight: 3, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b).toString('base64url')) },
		{
			weight: 3,
			arbitrary: fc
				.tuple(jwtPayload, fc.constantFrom(pools.hostSecret, 'wrong-secret'))
				.map(([payload, key]) => jwt.sign(expand(payload) as object, key, { noTimestamp: true, issuer: 'directus' })),
		},
		{ weight: 1, arbitrary: jwtPayload.map((p) => `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(expand(p)))}.`) },
		{ weight: 1, arbitrary: fc.constantFrom('a.b.c', 'eyJ.eyJ.', '...', 'Bearer x', 'eyJhbGciOiJIUzI1NiJ9.e30.', '%41') },
	);
	const expiresIn = fc.oneof(
		fc.integer(),
		fc.double(),
		rawNumber,
		fc.nat().map(String),
		fc.constantFrom('7d', '12h', '1s', '0s', '999ms', '366d', '367d', '-1d', '1.5h', '1e3', '1e400', ' 7d', '7 d', '7D', 'P7D', '', 'Infinity', '9007199254740993', '1w', '1y'),
	);
	const otp = fc.oneof(
		fc.stringMatching(/^\d{6}$/),
		fc.integer({ min: 0, max: 999_999 }),
		fc.constantFrom('000000', '12345', '1234567', ' 123456', '123 456', '١٢٣٤٥٦', '12345\u0000', '123456 '),
	);
	const recoveryCode = fc.oneof(
		fc.stringMatching(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/),
		fc.stringMatching(/^[a-z2-9]{10}$/),
		fc.constantFrom('AAAAA-AAAAA', 'aaaaa aaaaa', '-----', '0OIL1-0OIL1'),
	);
	const until = fc.oneof(
		fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
		fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
		fc.constantFrom(
			'9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '2020-13-45T99:99:99Z', '2020-01-01T', '1970-01-01T00:00:00Z',
			'2020-01-01T00:00:00+25:00', '2999-01-01T00:00:00.000Z', Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 8.64e15, 8.64e15 + 1, 0, -1,
		),
		rawNumber,
	);
	// A WebAuthn answer as a page posts it (base64url fields), almost right or wholly wrong: the
	// fuzz holds no live challenge, so none of these signs in or registers anything.
	const b64valid = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64url'));
	const b64field = fc.oneof({ weight: 4, arbitrary: b64valid }, { weight: 1, arbitrary: fc.constantFrom('', '====', 'a', '+/+/', 'not base64!', 'AAAA'.repeat(2000)) });
	const clientData = fc
		.record({
			type: fc.constantFrom('webauthn.get', 'webauthn.create', 'payment.get', ''),
			challenge: fc.oneof(b64field, fc.string({ maxLength: 20 }), fc.constant(null)),
			origin: fc.constantFrom('http://127.0.0.1', 'https://evil.example.net', 'null', ''),
			crossOrigin: fc.boolean(),
		}, { requiredKeys: [] })
		.map((data) => Buffer.from(JSON.stringify(data)).toString('base64url'));
	// Well formed (every field there, right types: the flow runs and refuses it), or anything.
	const webauthnShape = (required: boolean) =>
		fc.record(
			{
				id: required ? b64valid : b64field,
				rawId: required ? b64valid : b64field,
				type: required ? fc.constant('public-key') : fc.constantFrom('public-key', 'password', ''),
				response: fc.record(
					{
						clientDataJSON: required ? clientData : fc.oneof(clientData, b64field, wrongType),
						authenticatorData: required ? b64valid : fc.oneof(b64field, wrongType),
						signature: required ? b64valid : b64field,
						attestationObject: required ? b64valid : b64field,
						userHandle: fc.oneof(b64field, fc.constant(null)),
						transports: fc.array(fc.constantFrom('internal', 'usb', 'hybrid', 'bogus', ''), { maxLength: 12 }),
					},
					required ? {} : { requiredKeys: [] },
				),
				authenticatorAttachment: required ? fc.constantFrom('platform', 'cross-platform', null) : fc.constantFrom('platform', 'cross-platform', null, 'other'),
				clientExtensionResults: required ? fc.constant({}) : fc.oneof(fc.constant({}), fc.jsonValue({ maxDepth: 2 })),
			},
			required ? { requiredKeys: ['id', 'rawId', 'type', 'response'] } : { requiredKeys: [] },
		);
	const webauthnResponse = fc.oneof({ weight: 2, arbitrary: webauthnShape(true) }, { weight: 1, arbitrary: webauthnShape(false) });
	return {
		email,
		emails: fc.oneof({ weight: 2, arbitrary: email }, { weight: 1, arbitrary: fc.array(email, { maxLength: 5 }) }),
		response: fc.oneof({ weight: 6, arbitrary: webauthnResponse }, { weight: 1, arbitrary: wrongType }),
		name: fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 90, maxLength: 110 }), fc.constant(null)),
		password,
		first_name: name,
		last_name: name,
		verification_url: url(pools.verifyUrl),
		invite_url: url(pools.inviteUrl),
		sign_in_url: url(pools.signInUrl),
		token,
		role,
		user,
		expires_in: expiresIn,
		secret: fc.oneof(fc.stringMatching(/^[A-Z2-7]{16,40}$/), fc.string({ maxLength: 40 })),
		otp,
		// A mailed sign-in code: six digits, and near misses.
		code: fc.oneof(fc.stringMatching(/^\d{6}$/), fc.integer({ min: 0, max: 999_999 }), fc.constantFrom('000000', '12345', '1234567', ' 123456', '١٢٣٤٥٦', '12345\u0000')),
		recovery_code: recoveryCode,
		mode: fc.constantFrom('json', 'cookie', 'session', 'JSON', '', ' json', 'header', null),
		status: fc.constantFrom('draft', 'invited', 'unverified', 'active', 'suspended', 'archived', 'ACTIVE', 'deleted', '', 'inactive-license'),
		reason: fc.oneof(fc.string({ maxLength: 50 }), fc.constant(null)),
		until,
		title: fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.constant(null)),
	};
}

/** Field names as routes spell them: the invite's `email` takes one address or a list. */
const valueKey = (route: RouteDef, field: string) => (field === 'email' && /invite$/.test(route.path) ? 'emails' : field);

// ---------------------------------------------------------------------------------------------
// Bodies

export function bodyObject(route: RouteDef, fields: readonly string[], pools: Pools): fc.Arbitrary<Record<string, unknown>> {
	const values = fieldValues(pools);
	const secret = pools.secrets.length > 0 ? fc.constantFrom(...pools.secrets) : null;
	const good = (field: string) => values[valueKey(route, field)] ?? fc.string();
	const bad = (field: string): fc.Arbitrary<unknown> => {
		const options: fc.WeightedArbitrary<unknown>[] = [
			{ weight: 3, arbitrary: nastyString },
			{ weight: 3, arbitrary: wrongType },
			{ weight: 2, arbitrary: spliced(good(field).filter((v): v is string => typeof v === 'string')) },
			{ weight: 1, arbitrary: fc.array(good(field), { minLength: 1, maxLength: 3 }) },
		];
		if (secret) options.push({ weight: 6, arbitrary: secret });
		return fc.oneof(...options);
	};
	const withExtras = (known: fc.Arbitrary<[string, unknown][]>) =>
		fc
			.tuple(known, rarely(fc.array(fc.tuple(secret ? fc.oneof(unknownKey, secret) : unknownKey, fc.oneof(nastyString, wrongType, secret ?? nastyString)), { minLength: 1, maxLength: 3 })))
			.map(([entries, extra]) => Object.fromEntries(extra ? [...entries, ...extra] : entries));
	if (fields.length === 0) return withExtras(fc.constant([]));
	// Every field right (the flow runs), one field wrong or missing, or each field anything.
	const allGood = fc.tuple(...fields.map((f) => good(f).map((v): [string, unknown] => [f, v])));
	const oneWrong = fc
		.tuple(allGood, fc.nat({ max: fields.length - 1 }), fc.nat({ max: 4 }).map((n) => n === 0))
		.chain(([entries, at, remove]) =>
			remove
				? fc.constant(entries.filter((_, i) => i !== at))
				: bad(fields[at]!).map((v) => entries.map(([k, old], i): [string, unknown] => [k, i === at ? v : old])),
		);
	const each = fc.tuple(...fields.map((f) => fc.option(fc.oneof(good(f), bad(f)), { nil: undefined, freq: 5 }).map((v): [string, unknown] | null => (v === undefined ? null : [f, v]))))
		.map((entries) => entries.filter((e): e is [string, unknown] => e !== null));
	return fc.oneof({ weight: 4, arbitrary: withExtras(allGood) }, { weight: 5, arbitrary: withExtras(oneWrong) }, { weight: 2, arbitrary: withExtras(each) });
}

const RAW_JSON = [
	'{', '{"email":', '{"a":1}}', "{'email':'a'}", '[1,2', 'null', 'true', '"str"', '{"email":"a@example.com",}',
	'{"email":"a@example.com" "password":"x"}', '\uFEFF{}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}',
	'{"email":"a@example.com","email":["x"]}', `{"a":${'['.repeat(5000)}`, `${'['.repeat(20000)}${']'.repeat(20000)}`, 'NaN',
	'{"x":1e999}', '{"x":-}', '{"token":"\\ud800"}', '{"token":"\\u0000"}', '{"password":"\\u0000"}', ' ', '',
];

export function body(route: RouteDef, pools: Pools): fc.Arbitrary<Body> {
	if (route.method === 'GET') return fc.constant({ kind: 'none' });
	const object = bodyObject(route, route.fields, pools);
	const form = (value: Record<string, unknown>) =>
		Object.entries(expand(value) as Record<string, unknown>)
			.map(([k, v]) => `${safeEncode(k)}=${safeEncode(typeof v === 'string' ? v : JSON.stringify(v) ?? '')}`)
			.join('&');
	return fc.oneof(
		{ weight: 12, arbitrary: object.map((value): Body => ({ kind: 'json', value })) },
		{ weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value): Body => ({ kind: 'json', value })) },
		{ weight: 1, arbitrary: wrongType.map((value): Body => ({ kind: 'json', value })) },
		{ weight: 1, arbitrary: fc.array(object, { minLength: 1, maxLength: 2 }).map((value): Body => ({ kind: 'json', value })) },
		{ weight: 1, arbitrary: fc.oneof(fc.constantFrom(...RAW_JSON), fc.string({ maxLength: 40 }), hugeString).map((text): Body => ({ kind: 'raw', text, type: 'application/json' })) },
		{
			weight: 1,
			arbitrary: fc
				.tuple(object, fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/xml', 'application/graphql', 'application/vnd.api+json', 'application/json;;', 'multipart/form-data; boundary=x'))
				.map(([value, type]): Body => ({ kind: 'raw', text: toJson(value), type })),
		},
		{ weight: 1, arbitrary: object.map((value): Body => ({ kind: 'raw', text: form(value), type: 'application/x-www-form-urlencoded' })) },
		{ weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes): Body => ({ kind: 'bytes', bytes, type: 'application/json' })) },
		{ weight: 1, arbitrary: fc.constant<Body>({ kind: 'none' }) },
	);
}

// ---------------------------------------------------------------------------------------------
// Paths and query strings

/** encodeURIComponent, or the raw text where it can't encode (a lone surrogate). */
export function safeEncode(value: string): string {
	try {
		return encodeURIComponent(value);
	} catch {
		return value.replace(/[\uD800-\uDFFF]/g, '%ED%A0%80');
	}
}

/**
 * A user id for `/users/:id/...`. Never a planted secret: the host logs every request's path (only
 * a `token` query parameter is redacted), so a secret a caller puts in a path is in the log.
 */
function pathParam(pools: Pools): fc.Arbitrary<string> {
	return fc.oneof(
		{ weight: 8, arbitrary: pools.userIds.length > 0 ? fc.constantFrom(...pools.userIds) : fc.uuid() },
		{ weight: 2, arbitrary: fc.uuid() },
		{ weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
		{ weight: 2, arbitrary: nastyString.map((s) => safeEncode(String(s).slice(0, 1000)).slice(0, URL_PART_MAX)) },
		{ weight: 2, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e', 'me', 'undefined', '%2F', '%C0%AE', '%ED%A0%80', '%FF', '+', 'null') },
	);
}

const QUERY_KEYS = ['token', 'fields', 'filter', 'sort', 'limit', 'offset', 'page', 'meta', 'deep', 'alias', 'search', 'export', 'version', 'access_token', 'backlink', 'x'];

function queryString(pools: Pools, tokenRoute: boolean): fc.Arbitrary<string> {
	const values = fieldValues(pools);
	const secret = pools.secrets.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...pools.secrets) }] : [];
	const tokenValue = fc.oneof({ weight: 3, arbitrary: values['token']! as fc.Arbitrary<string> }, { weight: 2, arbitrary: nastyString.map((s) => String(s).slice(0, 1000)) }, ...secret);
	const enc = (v: string) => safeEncode(v).slice(0, URL_PART_MAX);
	const param = fc.oneof(
		fc.tuple(fc.constantFrom(...QUERY_KEYS), nastyString).map(([k, v]) => `${k}=${safeEncode(String(v).slice(0, 1000)).slice(0, URL_PART_MAX)}`),
		fc.constantFrom('filter[email][_eq]=admin@example.com', 'limit=-5', 'fields=password,tfa_secret', 'filter={"a"', 'deep[x][_limit]=a', 'sort[]=x', 'meta=*', 'export=csv', 'limit=1e999', 'filter[_or][0][id][_null]=true'),
	);
	const token = fc.oneof(
		{ weight: 5, arbitrary: tokenValue.map((v) => `token=${enc(v)}`) },
		{ weight: 1, arbitrary: fc.tuple(tokenValue, tokenValue).map(([a, b]) => `token=${enc(a)}&token=${enc(b)}`) },
		{ weight: 1, arbitrary: tokenValue.map((v) => `token[]=${enc(v)}`) },
		{ weight: 1, arbitrary: tokenValue.map((v) => `token[a]=${enc(v)}`) },
		{ weight: 1, arbitrary: fc.constantFrom('token=', 'token', 'token=%', 'token=%zz', 'TOKEN=abc', 'token=a%00b', '') },
	);
	if (tokenRoute) return fc.tuple(token, rarely(param)).map(([t, p]) => [t, p].filter((s) => s !== null && s !== '').join('&')).map((q) => (q ? `?${q}` : ''));
	return rarely(param).map((p) => (p === null ? '' : `?${p}`));
}

const actor: fc.Arbitrary<Actor> = fc.oneof(
	{ weight: 3, arbitrary: fc.constant<Actor>('anonymous') },
	{ weight: 3, arbitrary: fc.constant<Actor>('admin') },
	{ weight: 2, arbitrary: fc.constant<Actor>('api') },
	{ weight: 2, arbitrary: fc.constant<Actor>('inviter') },
	{ weight: 1, arbitrary: fc.constant<Actor>('bogus') },
);

/** One request to a REST route. */
/**
 * A route's path as the host's router also reads it (a door is a path the router answers, not a
 * string): doubled slashes, a trailing slash, its first segment in upper case — or the path itself,
 * twice as often. Path parameters keep their case (an id in upper case is another id).
 */
export function pathVariant(path: string): fc.Arbitrary<string> {
	const segments = path.split('/');
	const variant = fc
		.record({ doubled: fc.subarray(segments.map((_, i) => i).slice(1)), trailing: fc.boolean(), upper: fc.boolean() })
		.map(({ doubled, trailing, upper }) => {
			const parts = segments.map((segment, i) => (i === 1 && upper ? segment.toUpperCase() : segment));
			const joined = parts.map((segment, i) => (doubled.includes(i) ? `/${segment}` : segment)).join('/');
			return trailing && !joined.endsWith('/') ? `${joined}/` : joined;
		});
	return fc.oneof({ weight: 2, arbitrary: fc.constant(path) }, { weight: 1, arbitrary: variant });
}

/** Where the host answers its system GraphQL: /graphql/system, its variants, and any path under it. */
export const graphqlSystemPath: fc.Arbitrary<string> = fc.oneof(
	{ weight: 3, arbitrary: fc.constant('/graphql/system') },
	{ weight: 1, arbitrary: pathVariant('/graphql/system') },
	{ weight: 1, arbitrary: fc.constantFrom('/anything', '/x/y', '/', '/system').map((tail) => `/graphql/system${tail}`) },
);

export function restRequest(route: RouteDef, pools: Pools): fc.Arbitrary<FuzzRequest> {
	const literal = pathVariant(route.path);
	const path = route.path.includes(':id') ? fc.tuple(literal, pathParam(pools)).map(([p, id]) => p.replace(/:id/i, id)) : literal;
	return fc
		.record({ actor, path, query: queryString(pools, route.queryToken === true), body: body(route, pools) })
		.map(({ actor, path, query, body }) => ({ route: route.name, actor, method: route.method, path: path + query, body }));
}

// ---------------------------------------------------------------------------------------------
// GraphQL

export interface MutationDef {
	name: string;
	/** Argument name -> the GraphQL type the host declares. */
	args: Record<string, string>;
	selection?: string;
	spends?: readonly ('verification' | 'invite' | 'sign-in')[];
}

export const MUTATIONS: readonly MutationDef[] = [
	{ name: 'users_register', args: { email: 'String!', password: 'String!', first_name: 'String', last_name: 'String', verification_url: 'String' } },
	{ name: 'users_register_verify', args: { token: 'String!' }, spends: ['verification'] },
	{ name: 'users_invite', args: { email: 'String!', role: 'String!', invite_url: 'String' } },
	{ name: 'users_invite_accept', args: { token: 'String!', password: 'String!' }, spends: ['invite'] },
	{ name: 'users_me_tfa_generate', args: { password: 'String' }, selection: '{ secret otpauth_url }' },
	{ name: 'users_me_tfa_enable', args: { otp: 'String!', secret: 'String!' } },
	{ name: 'users_me_tfa_disable', args: { otp: 'String!' } },
	{ name: 'auth_password_request', args: { email: 'String!', reset_url: 'String' } },
	{ name: 'auth_password_reset', args: { token: 'String!', password: 'String!' } },
];

const mutationRoute = (m: MutationDef): RouteDef => ({ name: m.name, method: 'POST', path: `/graphql/system#${m.name}`, fields: Object.keys(m.args) });

/** `mutation M($a: T, ...) { name(a: $a, ...) sel }` with the variables; or the arguments written inline. */
export function graphqlMutationRequest(m: MutationDef, pools: Pools): fc.Arbitrary<FuzzRequest> {
	const names = Object.keys(m.args);
	const sel = m.selection ?? '';
	const withVariables = fc
		.tuple(
			fc.subarray(names, { minLength: 0 }),
			fc.oneof(
				{ weight: 8, arbitrary: bodyObject(mutationRoute(m), names, pools) as fc.Arbitrary<unknown> },
				{ weight: 1, arbitrary: wrongType },
				{ weight: 1, arbitrary: fc.constant(undefined) },
			),
			rarely(fc.constantFrom<unknown>('M', 'Other', '', 5, null)),
		)
		.map(([used, variables, operationName]) => {
			const defs = used.map((a) => `$${a}: ${m.args[a]}`).join(', ');
			const query = `mutation M${defs ? `(${defs})` : ''} { ${m.name}${used.length ? `(${used.map((a) => `${a}: $${a}`).join(', ')})` : ''} ${sel} }`;
			const value: Record<string, unknown> = { query };
			if (variables !== undefined) value['variables'] = variables;
			if (operationName !== null) value['operationName'] = operationName;
			return value;
		});
	const inline = bodyObject(mutationRoute(m), names, pools).map((args) => {
		const list = Object.entries(args).map(([k, v]) => `${k}: ${graphqlLiteral(v)}`);
		return { query: `mutation { ${m.name}${list.length ? `(${list.join(', ')})` : ''} ${sel} }` };
	});
	return fc
		.record({ actor, path: graphqlSystemPath, value: fc.oneof({ weight: 3, arbitrary: withVariables }, { weight: 1, arbitrary: inline }) })
		.map(({ actor, path, value }) => ({ route: `graphql ${m.name}`, actor, method: 'POST', path, body: { kind: 'json', value } }));
}

/** Documents that are not the plain mutation: broken, mixed, aliased, fragments, directives, operations, batches. */
export function graphqlDocumentRequest(pools: Pools): fc.Arbitrary<FuzzRequest> {
	const literalCall = fc.constantFrom(...MUTATIONS).chain((m) =>
		bodyObject(mutationRoute(m), Object.keys(m.args), pools).map((args) => {
			const list = Object.entries(args).map(([k, v]) => `${k}: ${graphqlLiteral(v)}`);
			return `${m.name}${list.length ? `(${list.join(', ')})` : ''} ${m.selection ?? ''}`;
		}),
	);
	const hostField = fc.constantFrom('update_users_me(data: { first_name: "x" }) { id }', '__typename', 'auth_logout', 'server_ping', 'users_me { id }', 'create_users_item(data: {}) { id }');
	const document = fc.oneof(
		literalCall.map((c) => `mutation { ${c} }`),
		fc.tuple(literalCall, literalCall).map(([a, b]) => `mutation { a: ${a} b: ${b} }`),
		fc.tuple(literalCall, hostField).map(([a, h]) => `mutation { ${a} ${h} }`),
		literalCall.map((c) => `mutation { ...F } fragment F on Mutation { ${c} }`),
		literalCall.map((c) => `mutation { ... on Mutation { ${c} } }`),
		literalCall.map((c) => `mutation { ...Missing ${c} }`),
		literalCall.map((c) => `mutation { ${c.replace(/\s*$/, '')} @include(if: false) }`),
		literalCall.map((c) => `mutation @skip(if: true) { ${c} }`),
		literalCall.map((c) => `query { ${c} }`),
		literalCall.map((c) => `subscription { ${c} }`),
		literalCall.map((c) => `mutation A { ${c} } mutation B { ${c} }`),
		literalCall.map((c) => `mutation { ${'... on Mutation { '.repeat(15)}${c}${' }'.repeat(15)} }`),
		literalCall.map((c) => `mutation { ${c} } fragment F on Mutation { ...F }`),
		// A valid document with a random cut or a random insertion.
		fc.tuple(literalCall, fc.nat(), fc.oneof(fc.constantFrom('{', '}', '(', ')', '$', '"', '...', '#', '\\', '!', ':', '@', '\u0000', '"""'), fc.string({ maxLength: 5 }))).map(([c, at, insert]) => {
			const doc = `mutation { ${c} }`;
			const i = at % (doc.length + 1);
			return at % 2 ? doc.slice(0, i) : doc.slice(0, i) + insert + doc.slice(i);
		}),
		fc.string({ maxLength: 60 }),
		fc.string({ unit: 'grapheme', maxLength: 30 }),
		hugeString.map(String),
	);
	const value = fc.oneof(
		{ weight: 8, arbitrary: fc.record({ query: document, operationName: fc.constantFrom<unknown>('A', 'B', 'C', '', null, 3, ['A']) }, { requiredKeys: ['query'] }) as fc.Arbitrary<unknown> },
		{ weight: 1, arbitrary: fc.record({ query: wrongType }) },
		{ weight: 1, arbitrary: fc.array(fc.record({ query: document }), { minLength: 1, maxLength: 3 }) },
		{ weight: 1, arbitrary: wrongType },
	);
	const bodyArb = fc.oneof(
		{ weight: 8, arbitrary: value.map((v): Body => ({ kind: 'json', value: v })) },
		{ weight: 1, arbitrary: document.map((text): Body => ({ kind: 'raw', text, type: 'application/graphql' })) },
		{ weight: 1, arbitrary: fc.oneof(fc.constantFrom(...RAW_JSON), fc.string({ maxLength: 30 })).map((text): Body => ({ kind: 'raw', text, type: 'application/json' })) },
	);
	return fc.record({ actor, path: graphqlSystemPath, body: bodyArb }).map(({ actor, path, body }) => ({ route: 'graphql documents', actor, method: 'POST', path, body }));
}

/**
 * One of our mutations written plainly, and the same mutation wrapped (inline fragments, a chain
 * of named fragments, an alias): GraphQL gives both the same meaning, so both must get the same
 * answer — in particular both must be answered by the hardened flow, not one by the host's resolver.
 * (`depth`: how many levels the wrapping nests the field.)
 */
export function graphqlEquivalentPair(pools: Pools): fc.Arbitrary<{ plain: FuzzRequest; wrapped: FuzzRequest; wrapping: string; depth: number }> {
	const call = fc.constantFrom(...MUTATIONS).chain((m) =>
		bodyObject(mutationRoute(m), Object.keys(m.args), pools).map((args) => {
			const list = Object.entries(args).map(([k, v]) => `${k}: ${graphqlLiteral(v)}`);
			return `${m.name}${list.length ? `(${list.join(', ')})` : ''} ${m.selection ?? ''}`.trim();
		}),
	);
	const wrap = fc.oneof(
		fc.integer({ min: 1, max: 20 }).map((n) => ({ depth: n, wrapping: `${n} inline fragments`, doc: (c: string) => `mutation { ${'... on Mutation { '.repeat(n)}${c}${' }'.repeat(n)} }` })),
		fc.integer({ min: 1, max: 15 }).map((n) => ({
			depth: n,
			wrapping: `a chain of ${n} named fragments`,
			doc: (c: string) => `mutation { ...F0 } ${Array.from({ length: n }, (_, i) => `fragment F${i} on Mutation { ${i === n - 1 ? c : `...F${i + 1}`} }`).join(' ')}`,
		})),
		fc.constant({ depth: 0, wrapping: 'an alias', doc: (c: string) => `mutation { renamed: ${c} }` }),
		fc.constant({ depth: 0, wrapping: 'a named operation and operationName', doc: (c: string) => `mutation Named { ${c} }`, operationName: 'Named' }),
	);
	return fc.record({ actor, call, wrap }).map(({ actor, call, wrap }) => {
		const request = (value: unknown): FuzzRequest => ({ route: 'graphql equivalent documents', actor, method: 'POST', path: '/graphql/system', body: { kind: 'json', value } });
		const wrapped: Record<string, unknown> = { query: wrap.doc(call) };
		if ('operationName' in wrap) wrapped['operationName'] = wrap.operationName;
		return { plain: request({ query: `mutation { ${call} }` }), wrapped: request(wrapped), wrapping: wrap.wrapping, depth: wrap.depth };
	});
}
