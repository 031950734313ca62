// What a registration may write into `directus_users`, checked against the host's columns before
// the email is looked up: a value the database would refuse (too long, wrong type, out of range,
// NUL) must be refused alike for a new email (which would reach the INSERT) and a taken one (which
// never writes), or the answer tells them apart. Pure: the column facts come from the caller.
import { hasControlCharacters } from '../shared/input.js';

/** One column of `directus_users` as the host describes it. */
export interface ColumnFacts {
	/** The host's field type (`string`, `text`, `integer`, `uuid`, ...). */
	type: string;
	/** Characters the column holds (`varchar(n)`), null when unbounded. */
	maxLength: number | null;
	nullable: boolean;
	precision: number | null;
	scale: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?$/;
const INT32 = 2 ** 31;
const INT64 = 2n ** 63n;

const TEXT_TYPES = new Set(['string', 'text', 'csv', 'hash']);

/**
 * The first value the host's column can't store, as `"field" problem` (the wording of the other
 * 400s), or null. Fields without a column are left out: the host drops them.
 */
export function firstFieldProblem(values: Record<string, unknown>, columns: ReadonlyMap<string, ColumnFacts>): string | null {
	for (const [field, value] of Object.entries(values)) {
		if (value === undefined) continue;
		const column = columns.get(field);
		if (!column) continue;
		const problem = valueProblem(value, column);
		if (problem) return `"${field}" ${problem}`;
	}
	return null;
}

/** Why `column` can't hold `value` (without the field's name), or null. */
export function valueProblem(value: unknown, column: ColumnFacts): string | null {
	if (value === null) return column.nullable ? null : 'is required';
	if (typeof value === 'string' && hasControlCharacters(value)) return 'must not contain control characters';
	if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') return 'must be a string, number, boolean or null';
	const { type } = column;
	if (TEXT_TYPES.has(type)) {
		// A hash column stores the hash, not the value: its length says nothing about the input.
		if (type !== 'hash' && column.maxLength !== null && characters(String(value)) > column.maxLength) return 'is too long';
		return null;
	}
	switch (type) {
		case 'uuid':
			return typeof value === 'string' && UUID.test(value) ? null : 'must be a valid id';
		case 'boolean':
			return typeof value === 'boolean' ? null : 'must be a boolean';
		case 'integer':
		case 'bigInteger':
			return integerProblem(value, type === 'integer' ? BigInt(INT32) : INT64);
		case 'float':
		case 'decimal':
			return numberProblem(value, column);
		case 'date':
			return typeof value === 'string' && validDate(value, DATE) ? null : 'must be a date (YYYY-MM-DD)';
		case 'dateTime':
		case 'timestamp':
			return typeof value === 'string' && validDate(value, DATE_TIME) ? null : 'must be a date and time (ISO 8601)';
		case 'time':
			return typeof value === 'string' && TIME.test(value) ? null : 'must be a time (HH:MM:SS)';
		case 'json':
			return typeof value !== 'string' || isJson(value) ? null : 'must be JSON';
		default:
			// alias, geometry, unknown: nothing a registration form sends fits them.
			return "can't be set at registration";
	}
}

/** Characters as the databases count them (code points, not UTF-16 units). */
function characters(value: string): number {
	let count = 0;
	for (const _ of value) count++;
	return count;
}

function integerProblem(value: unknown, limit: bigint): string | null {
	let n: bigint;
	if (typeof value === 'number') {
		if (!Number.isInteger(value)) return 'must be an integer';
		n = BigInt(value);
	} else if (typeof value === 'string' && INTEGER.test(value)) {
		n = BigInt(value);
	} else {
		return 'must be an integer';
	}
	return n >= -limit && n < limit ? null : 'is out of range';
}

function numberProblem(value: unknown, column: ColumnFacts): string | null {
	const n = typeof value === 'number' ? value : typeof value === 'string' && NUMBER.test(value) ? Number(value) : NaN;
	if (!Number.isFinite(n)) return 'must be a number';
	if (column.type === 'decimal') {
		// Rounded to the scale, the integer part must fit in precision - scale digits (no
		// precision: an unbounded numeric).
		if (column.precision !== null) {
			const scale = Math.min(column.scale ?? 0, 100);
			if (Math.abs(Number(n.toFixed(scale))) >= 10 ** (column.precision - scale)) return 'is out of range';
		}
	} else if (column.precision !== null && column.precision <= 24 && Math.abs(n) > 3.4e38) {
		return 'is out of range'; // single precision (real)
	}
	return null;
}

function validDate(value: string, pattern: RegExp): boolean {
	const match = pattern.exec(value);
	if (!match) return false;
	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	if (year < 1 || month < 1 || month > 12 || day < 1) return false;
	if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return false;
	const [hours, minutes, seconds] = [Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0)];
	return hours < 24 && minutes < 60 && seconds < 60;
}

function isJson(value: string): boolean {
	try {
		JSON.parse(value);
		return true;
	} catch {
		return false;
	}
}
