// Input checks for route bodies: every bad shape becomes a 400 INVALID_PAYLOAD naming the field,
// before any flow runs, so nothing is half-written.
import { InvalidPayloadError } from '../errors.js';
import { isPlainObject } from '../policy/filter.js';

export const MAX_TEXT = 1000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Body = Record<string, unknown>;

export function bodyOf(value: unknown): Body {
	if (!isPlainObject(value)) throw new InvalidPayloadError({ reason: 'The request body must be a JSON object' });
	return value;
}

/** Refuses keys outside `allowed`. */
export function onlyKeys(body: Body, allowed: Iterable<string>): void {
	const known = new Set(allowed);
	for (const key of Object.keys(body)) {
		if (!known.has(key)) throw new InvalidPayloadError({ reason: `"${key}" is not allowed` });
	}
}

export function text(body: Body, key: string, opts: { max?: number } = {}): string {
	const value = body[key];
	if (value === undefined || value === null) throw new InvalidPayloadError({ reason: `"${key}" is required` });
	if (typeof value !== 'string') throw new InvalidPayloadError({ reason: `"${key}" must be a string` });
	if (value.length === 0) throw new InvalidPayloadError({ reason: `"${key}" is not allowed to be empty` });
	if (value.length > (opts.max ?? MAX_TEXT)) throw new InvalidPayloadError({ reason: `"${key}" is too long` });
	return value;
}

export function optionalText(body: Body, key: string, opts: { max?: number; nullable?: boolean } = {}): string | undefined {
	const value = body[key];
	if (value === undefined) return undefined;
	if (value === null && opts.nullable) return undefined;
	return text(body, key, opts);
}

export function email(body: Body, key = 'email'): string {
	return checkEmail(text(body, key, { max: 254 }), key);
}

export function checkEmail(value: string, key = 'email'): string {
	if (!EMAIL.test(value)) throw new InvalidPayloadError({ reason: `"${key}" must be a valid email` });
	return value;
}

export function url(body: Body, key: string): string | undefined {
	const value = optionalText(body, key, { max: 2000 });
	if (value === undefined) return undefined;
	try {
		const parsed = new URL(value);
		if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
	} catch {
		throw new InvalidPayloadError({ reason: `"${key}" must be a valid http(s) URL` });
	}
	return value;
}

export function uuid(value: unknown, key: string): string {
	if (typeof value !== 'string' || !UUID.test(value)) throw new InvalidPayloadError({ reason: `"${key}" must be a valid id` });
	return value;
}

/** A scalar for an extra user field: string, number, boolean or null. */
export function scalar(body: Body, key: string): string | number | boolean | null {
	const value = body[key];
	if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
	if (typeof value === 'string') {
		if (value.length > MAX_TEXT) throw new InvalidPayloadError({ reason: `"${key}" is too long` });
		return value;
	}
	throw new InvalidPayloadError({ reason: `"${key}" must be a string, number, boolean or null` });
}

const REDACTED = '--redacted--';
const stashed = new WeakMap<object, string>();

/**
 * Moves `?token=` out of the request (query, url, originalUrl) into a private stash. Runs as the
 * host's first middleware (init `app.before`), before its request logger copies the URL, so no
 * log line ever holds the token.
 */
export function stashQueryToken(req: { query: unknown; url: string; originalUrl: string }): void {
	const query = (req.query ?? {}) as Record<string, unknown>;
	const value = query['token'];
	if (typeof value !== 'string') return;
	stashed.set(req, value);
	query['token'] = REDACTED;
	req.url = redactTokenParam(req.url);
	req.originalUrl = redactTokenParam(req.originalUrl);
}

/** The `?token=` of a request, from the stash (or the query when the stash did not run). */
export function takeQueryToken(req: { query: unknown; url: string; originalUrl: string }): string {
	if (!stashed.has(req)) stashQueryToken(req);
	const value = stashed.get(req);
	if (typeof value !== 'string') throw new InvalidPayloadError({ reason: '"token" is required' });
	return text({ token: value }, 'token', { max: 4096 });
}

export function redactTokenParam(path: string): string {
	return path.replace(/([?&]token=)[^&#]*/g, `$1${REDACTED}`);
}
