// Route input by declared schema (zod, bundled): each capability declares its bodies in its
// `schemas.ts` with the field builders below, and `parseInput` turns the first problem into the
// host's 400 INVALID_PAYLOAD with a readable reason, before any flow runs.
import { z } from 'zod';
import { InvalidPayloadError } from './util/errors.js';

export { z };

export const MAX_TEXT = 1000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// C0 controls and DEL: a NUL is refused by PostgreSQL's text types (a 5xx on the host), and none
// of them belongs in a name, an address, a token, a URL or a password typed into a form.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** True when `value` holds a control character (U+0000–U+001F, U+007F). */
export const hasControlCharacters = (value: string) => CONTROL_CHARACTERS.test(value);

/** A non-empty string of at most `max` characters, without control characters. */
export const text = (max = MAX_TEXT) => z.string().min(1).max(max).regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters' });
/** A password being set: no maximum here (the password policy refuses a long one with its own code; the host's body limit bounds it). */
export const newPassword = () => z.string().min(1).regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters' });
/** Free text (a reason, a note): line breaks and tabs are fine, other control characters are not. */
export const prose = (max = MAX_TEXT) =>
	z.string().min(1).max(max).regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, { error: 'must not contain control characters' });
/** Optional text where null means "clear it" (names). */
export const nullableText = () => text().nullable().optional();
export const email = () => text(254).regex(EMAIL, { error: 'must be a valid email' });
/** Whether `value` passes the `email()` rule. */
export const isEmail = (value: string) => value.length <= 254 && EMAIL.test(value) && !hasControlCharacters(value);
export const uuid = () => z.string().regex(UUID, { error: 'must be a valid id' });
export const httpUrl = () => text(2000).refine(isHttpUrl, { error: 'must be a valid http(s) URL' });
export const token = () => text(4096);
/** A path parameter that must be an id: `pathId('id')` for `/users/:id`. */
export const pathId = <K extends string>(name: K) => z.object({ [name]: uuid() } as Record<K, ReturnType<typeof uuid>>);
/**
 * A query-string list: comma-separated values, each checked by `item`, at most `max` of them
 * (`?users=<id>,<id>`). A repeated key (an array from the query parser) is refused like any non-string.
 */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T, max: number) =>
	z
		.string()
		.max(max * 80)
		.transform((value) => value.split(',').map((part) => part.trim()).filter((part) => part !== ''))
		.pipe(z.array(item).min(1).max(max));
/** Users named in a query string (`?users=<id>,<id>`), at most 200. */
export const usersQuery = z.strictObject({ users: commaList(uuid(), 200) });
/** An ISO 8601 date-time with its zone (`Z` or an offset), in a query string; as epoch milliseconds. */
export const instant = () =>
	z
		.string()
		.max(64)
		.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/, { error: 'must be an ISO 8601 date-time with its zone (e.g. 2026-01-31T23:00:00Z)' })
		.transform((value, ctx) => {
			const ms = Date.parse(value);
			if (Number.isFinite(ms)) return ms;
			ctx.addIssue({ code: 'custom', message: 'must be a valid date-time' });
			return z.NEVER;
		});
/** Paging of a list: `limit` (1..max) and `offset`. */
export const paging = (max: number, fallback: number) => ({
	limit: z.coerce.number().int().min(1).max(max).default(fallback),
	offset: z.coerce.number().int().min(0).max(1_000_000_000).default(0),
});
/** Routes that take no query at all. */
export const noQuery = z.strictObject({});
/** A DELETE carries no body (an empty JSON object is tolerated). */
export const noBody = z.union([z.undefined(), z.null(), z.strictObject({})], { error: 'The request body must be empty' });
/** A scalar for an extra user field. */
export const scalar = () =>
	z.union([z.string().max(MAX_TEXT), z.number(), z.boolean(), z.null()], { error: 'must be a string, number, boolean or null' });

function isHttpUrl(value: string): boolean {
	try {
		const { protocol } = new URL(value);
		return protocol === 'http:' || protocol === 'https:';
	} catch {
		return false;
	}
}

/** Parses `value` with `schema`, or throws 400 INVALID_PAYLOAD naming the field and the problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
	const result = schema.safeParse(value, { error: describeIssue });
	if (result.success) return result.data;
	throw new InvalidPayloadError({ reason: reasonOf(result.error.issues) });
}

/** The first problem, as a sentence; unknown keys first, as before any field is read. */
export function reasonOf(issues: readonly z.core.$ZodIssue[]): string {
	const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
	if (!issue) return 'Invalid payload';
	if (issue.code === 'unrecognized_keys') return `"${[...issue.path.map(String), issue.keys[0]].join('.')}" is not allowed`;
	if (issue.path.length === 0) return issue.code === 'invalid_type' ? 'The request body must be a JSON object' : issue.message;
	return `"${pathName(issue.path)}" ${issue.message}`;
}

function pathName(path: readonly PropertyKey[]): string {
	return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

/** Messages without their subject: `reasonOf` puts the field's name in front. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
	switch (issue.code) {
		case 'invalid_type':
			return issue.input === undefined || issue.input === null ? 'is required' : `must be ${article(issue.expected)}`;
		case 'too_small':
			if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'is not allowed to be empty' : `must be at least ${issue.minimum} characters long`;
			if (issue.origin === 'array') return `must contain at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`;
			return `must be at least ${issue.minimum}`;
		case 'too_big':
			if (issue.origin === 'string') return 'is too long';
			if (issue.origin === 'array') return `must contain at most ${issue.maximum} items`;
			return `must be at most ${issue.maximum}`;
		case 'invalid_value':
			return `must be one of [${issue.values.map(String).join(', ')}]`;
		default:
			return undefined;
	}
}

function article(expected: string): string {
	return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
