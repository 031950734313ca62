import { describe, expect, it } from 'vitest';
import { firstFieldProblem, valueProblem, type ColumnFacts } from '../../src/registration/user-fields.js';

const col = (type: string, more: Partial<ColumnFacts> = {}): ColumnFacts => ({ type, maxLength: null, nullable: true, precision: null, scale: null, ...more });

describe('what directus_users can store (checked before the email is looked up)', () => {
	const columns = new Map<string, ColumnFacts>([
		['email', col('string', { maxLength: 128 })],
		['first_name', col('string', { maxLength: 50 })],
		['description', col('text')],
		['password', col('hash', { maxLength: 255 })],
	]);

	it('names the first field the host would refuse', () => {
		expect(firstFieldProblem({ email: 'a@example.com', first_name: 'x'.repeat(50) }, columns)).toBeNull();
		expect(firstFieldProblem({ email: 'a@example.com', first_name: 'x'.repeat(60) }, columns)).toBe('"first_name" is too long');
		expect(firstFieldProblem({ email: `${'a'.repeat(120)}@example.com` }, columns)).toBe('"email" is too long');
		expect(firstFieldProblem({ first_name: 'Ja\u0000ne' }, columns)).toBe('"first_name" must not contain control characters');
		expect(firstFieldProblem({ description: 'x'.repeat(5000), password: 'p'.repeat(300) }, columns)).toBeNull();
		// no column: the host drops the field
		expect(firstFieldProblem({ not_a_column: 'x'.repeat(5000) }, columns)).toBeNull();
		expect(firstFieldProblem({ first_name: undefined }, columns)).toBeNull();
	});

	it('counts characters as the databases do (code points)', () => {
		expect(valueProblem('😀'.repeat(50), col('string', { maxLength: 50 }))).toBeNull();
		expect(valueProblem('😀'.repeat(51), col('string', { maxLength: 50 }))).toBe('is too long');
		expect(valueProblem(12345, col('string', { maxLength: 4 }))).toBe('is too long');
	});

	it.each([
		['uuid', '6b1a5a4e-1111-4c1b-9d2a-8f3e2f1a0b01', null],
		['uuid', 'not-a-uuid', 'must be a valid id'],
		['uuid', 5, 'must be a valid id'],
		['boolean', true, null],
		['boolean', 'yes', 'must be a boolean'],
		['integer', 42, null],
		['integer', '-42', null],
		['integer', 2 ** 31, 'is out of range'],
		['integer', -(2 ** 31), null],
		['integer', 1.5, 'must be an integer'],
		['integer', '1e3', 'must be an integer'],
		['integer', true, 'must be an integer'],
		['bigInteger', '9223372036854775807', null],
		['bigInteger', '9223372036854775808', 'is out of range'],
		['float', 1.5, null],
		['float', '1.5e3', null],
		['float', 'abc', 'must be a number'],
		['float', false, 'must be a number'],
		['date', '2024-02-29', null],
		['date', '2023-02-29', 'must be a date (YYYY-MM-DD)'],
		['date', '2024-13-01', 'must be a date (YYYY-MM-DD)'],
		['dateTime', '2024-02-29T12:30:00Z', null],
		['dateTime', '2024-02-29 12:30', null],
		['dateTime', '2024-02-29T25:00:00', 'must be a date and time (ISO 8601)'],
		['timestamp', 'yesterday', 'must be a date and time (ISO 8601)'],
		['time', '23:59:59', null],
		['time', '24:00', 'must be a time (HH:MM:SS)'],
		['json', 5, null],
		['json', '{"a":1}', null],
		['json', 'not json', 'must be JSON'],
		['alias', 'x', "can't be set at registration"],
		['geometry', 'POINT(0 0)', "can't be set at registration"],
	] as const)('%s column, %j → %s', (type, value, expected) => {
		expect(valueProblem(value, col(type))).toBe(expected);
	});

	it('checks a decimal against its precision and scale', () => {
		const decimal = col('decimal', { precision: 10, scale: 5 });
		expect(valueProblem(99999.99999, decimal)).toBeNull();
		expect(valueProblem('99999.5', decimal)).toBeNull();
		expect(valueProblem(100000, decimal)).toBe('is out of range');
		expect(valueProblem(99999.999999, decimal)).toBe('is out of range'); // rounds to 100000.00000
		expect(valueProblem(1e300, col('decimal'))).toBeNull(); // unbounded numeric
		expect(valueProblem(1e39, col('float', { precision: 24 }))).toBe('is out of range');
		expect(valueProblem(1e39, col('float', { precision: 53 }))).toBeNull();
	});

	it('null: only where the column takes it', () => {
		expect(valueProblem(null, col('string'))).toBeNull();
		expect(valueProblem(null, col('string', { nullable: false }))).toBe('is required');
	});

	it('refuses non-scalars', () => {
		expect(valueProblem({ a: 1 }, col('json'))).toBe('must be a string, number, boolean or null');
		expect(valueProblem(['a'], col('string'))).toBe('must be a string, number, boolean or null');
	});
});
