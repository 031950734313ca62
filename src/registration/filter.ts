// Evaluates a Directus filter (the host's filter syntax) over a flat payload such as a
// registration body. Pure: no host import, so it is unit-tested and reused by the rules and by
// the host's `public_registration_email_filter` setting.
import { compileRegex } from '../shared/policy/password.js';

export type Filter = Record<string, unknown>;

export interface MatchOptions {
	/**
	 * Fields whose values compare case-insensitively (emails): for the string and list operators,
	 * both sides are lower-cased; `_regex` matches with the `i` flag.
	 */
	caseInsensitive?: ReadonlySet<string>;
}

const STRING_OPERATORS = new Set([
	'_eq', '_neq', '_contains', '_ncontains', '_icontains', '_nicontains',
	'_starts_with', '_nstarts_with', '_istarts_with', '_nistarts_with',
	'_ends_with', '_nends_with', '_iends_with', '_niends_with', '_regex',
]);
const LIST_OPERATORS = new Set(['_in', '_nin']);
const VALUE_OPERATORS = new Set(['_null', '_nnull', '_empty', '_nempty', '_submitted']);

/** Throws an Error describing the first problem when `filter` is not a filter we can evaluate. */
export function assertFilter(filter: unknown, path = 'filter'): asserts filter is Filter {
	if (!isPlainObject(filter)) throw new Error(`${path} must be an object`);
	for (const [key, value] of Object.entries(filter)) {
		if (key === '_and' || key === '_or') {
			if (!Array.isArray(value) || value.length === 0) throw new Error(`${path}.${key} must be a non-empty array`);
			value.forEach((inner, i) => assertFilter(inner, `${path}.${key}[${i}]`));
			continue;
		}
		if (key.startsWith('_')) throw new Error(`${path}: unknown logical operator "${key}"`);
		if (!isPlainObject(value) || Object.keys(value).length === 0) throw new Error(`${path}.${key} must be an object of operators`);
		for (const [operator, operand] of Object.entries(value)) {
			const where = `${path}.${key}.${operator}`;
			if (STRING_OPERATORS.has(operator)) {
				if (typeof operand !== 'string' && typeof operand !== 'number' && typeof operand !== 'boolean' && operand !== null) throw new Error(`${where} needs a scalar`);
				if (operator === '_regex' && typeof operand === 'string') compileRegex(operand);
			} else if (LIST_OPERATORS.has(operator)) {
				if (!Array.isArray(operand)) throw new Error(`${where} needs an array`);
			} else if (!VALUE_OPERATORS.has(operator)) {
				throw new Error(`${where}: unsupported operator`);
			}
		}
	}
}

export function matchesFilter(filter: Filter, payload: Record<string, unknown>, options: MatchOptions = {}): boolean {
	for (const [key, value] of Object.entries(filter)) {
		if (key === '_and') {
			if (!(value as Filter[]).every((inner) => matchesFilter(inner, payload, options))) return false;
		} else if (key === '_or') {
			if (!(value as Filter[]).some((inner) => matchesFilter(inner, payload, options))) return false;
		} else {
			const fold = options.caseInsensitive?.has(key) ?? false;
			for (const [operator, operand] of Object.entries(value as Record<string, unknown>)) {
				if (!matchesOperator(operator, operand, payload[key], key in payload, fold)) return false;
			}
		}
	}
	return true;
}

function matchesOperator(operator: string, operand: unknown, value: unknown, present: boolean, fold: boolean): boolean {
	const lower = (s: string) => s.toLowerCase();
	const same = (s: string) => (fold ? lower(s) : s);
	const text = value === undefined || value === null ? null : same(String(value));
	const needle = operand === null || operand === undefined ? null : same(String(operand));
	const listed = () => (operand as unknown[]).some((candidate) => same(String(candidate)) === text);
	switch (operator) {
		case '_eq': return needle === null ? value === null || value === undefined : text === needle;
		case '_neq': return needle === null ? !(value === null || value === undefined) : text !== needle;
		case '_contains': return text !== null && needle !== null && text.includes(needle);
		case '_ncontains': return text === null || needle === null || !text.includes(needle);
		case '_icontains': return text !== null && needle !== null && lower(text).includes(lower(needle));
		case '_nicontains': return text === null || needle === null || !lower(text).includes(lower(needle));
		case '_starts_with': return text !== null && needle !== null && text.startsWith(needle);
		case '_nstarts_with': return text === null || needle === null || !text.startsWith(needle);
		case '_istarts_with': return text !== null && needle !== null && lower(text).startsWith(lower(needle));
		case '_nistarts_with': return text === null || needle === null || !lower(text).startsWith(lower(needle));
		case '_ends_with': return text !== null && needle !== null && text.endsWith(needle);
		case '_nends_with': return text === null || needle === null || !text.endsWith(needle);
		case '_iends_with': return text !== null && needle !== null && lower(text).endsWith(lower(needle));
		case '_niends_with': return text === null || needle === null || !lower(text).endsWith(lower(needle));
		// The pattern itself is not lower-cased (that would change `\D`, `[A-Z]`): it matches with `i`.
		case '_regex': return text !== null && operand !== null && operand !== undefined && compileRegex(String(operand), fold ? 'i' : '').test(text);
		case '_in': return text !== null && listed();
		case '_nin': return text === null || !listed();
		case '_null': return (value === null || value === undefined) === isTruthy(operand);
		case '_nnull': return !(value === null || value === undefined) === isTruthy(operand);
		case '_empty': return (text === null || text === '') === isTruthy(operand);
		case '_nempty': return !(text === null || text === '') === isTruthy(operand);
		case '_submitted': return present === isTruthy(operand);
		default: return false;
	}
}


function isTruthy(operand: unknown): boolean {
	return operand === true || operand === 'true' || operand === 1 || operand === '1';
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
