// Which requests a user who must set up two-factor may still make: setting it up, signing in and
// out, and the read-only requests the Data Studio makes while it loads (so it reaches its own
// `/admin/tfa-setup` page and our module). Pure: method, path and the host's parsed query in,
// a yes or no out.

/**
 * Any method: set-up itself, authentication, server info and the Data Studio's files. Not the
 * server's specs (`/server/specs/oas`, `/server/specs/graphql`): they describe the collections and
 * fields the user may reach, which waits for two-factor like the data does.
 */
const ANY_METHOD = [/^\/auth(\/|$)/, /^\/server(\/(?!specs(\/|$))|$)/, /^\/admin(\/|$)/, /^\/users\/me\/tfa(\/|$)/, /^\/user-lifecycle\/tfa(\/|$)/];

/**
 * GET only: what the Data Studio reads before it can show a page (its stores' hydration, seen in
 * Chromium against 12.4.0). Schema and the user's own settings, presets and notifications; no items.
 */
const DATA_STUDIO_READS = new Set([
	'/',
	'/users/me',
	'/roles/me',
	'/policies/me/globals',
	'/permissions/me',
	'/settings',
	'/collections',
	'/fields',
	'/relations',
	'/presets',
	'/translations',
	'/extensions',
	'/notifications',
]);

/** Extension bundles the Data Studio loads (`/extensions/sources/index.js`). */
const EXTENSION_SOURCES = /^\/extensions\/sources\/[^/]+$/;

/** The Data Studio's own bookkeeping on every page change (`last_page`). */
const TRACK_PAGE = '/users/me/track/page';
/** The set-up page resolves its `?redirect=` with this (a computation, no data). */
const RESOLVE_REDIRECT = '/utils/resolve-redirect';

export interface ParsedQuery {
	fields?: unknown;
	filter?: unknown;
	deep?: unknown;
	alias?: unknown;
	search?: unknown;
	aggregate?: unknown;
	group?: unknown;
}

/** Express routes case-insensitively and ignores one trailing slash: compare as it does. */
function routePath(path: string): string {
	const lower = path.toLowerCase();
	return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

export function allowedDuringSetUp(method: string, path: string, query: ParsedQuery | undefined): boolean {
	const route = routePath(path);
	if (ANY_METHOD.some((pattern) => pattern.test(route))) return true;
	const verb = method.toUpperCase();
	if (verb === 'PATCH' && route === TRACK_PAGE) return true;
	if (verb === 'POST' && route === RESOLVE_REDIRECT) return true;
	if (verb !== 'GET' && verb !== 'HEAD') return false;
	if (EXTENSION_SOURCES.test(route)) return true;
	return DATA_STUDIO_READS.has(route) && readsOnlyItself(query);
}

/**
 * The allowed reads must not become a way to read other data through relations
 * (`/users/me?fields=role.users.email`, `/roles/me?filter[users][email][_starts_with]=a`): fields
 * at most one relation deep and then only its key, filters on own fields only, and no deep,
 * alias, search or grouping.
 */
export function readsOnlyItself(query: ParsedQuery | undefined): boolean {
	if (!query) return true;
	if (query.deep !== undefined || query.alias !== undefined || query.search !== undefined || query.group !== undefined) return false;
	if (query.aggregate !== undefined && !shallowAggregate(query.aggregate)) return false;
	if (query.fields !== undefined && !shallowFields(query.fields)) return false;
	return query.filter === undefined || shallowFilter(query.filter);
}

function shallowFields(fields: unknown): boolean {
	const list = Array.isArray(fields) ? fields : typeof fields === 'string' ? fields.split(',') : null;
	if (list === null) return false;
	return list.every((field) => typeof field === 'string' && /^(\*|[\w$-]+)(\.id)?$/.test(field.trim()));
}

function shallowAggregate(aggregate: unknown): boolean {
	if (typeof aggregate !== 'object' || aggregate === null) return false;
	return Object.values(aggregate).every((fields) => shallowFields(fields));
}

/** `{ field: { _op: value } }`, `_and`/`_or` of those; a relation (`{ role: { name: ... } }`) is not. */
function shallowFilter(filter: unknown, depth = 0): boolean {
	if (depth > 10 || typeof filter !== 'object' || filter === null || Array.isArray(filter)) return false;
	return Object.entries(filter).every(([key, value]) => {
		if (key === '_and' || key === '_or') return Array.isArray(value) && value.every((part) => shallowFilter(part, depth + 1));
		if (key.startsWith('_') || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
		return Object.keys(value).every((operator) => operator.startsWith('_') && operator !== '_none' && operator !== '_some');
	});
}
