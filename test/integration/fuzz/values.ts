// Values that print short in a counterexample but go on the wire as they are: a huge repeated
// string, and a JSON number JSON.stringify can't write (1e999 parses to Infinity, -0, 1e-400...).
import fc from 'fast-check';

/** `unit` repeated `times` times: sent in full, shown as `"ab".repeat(50000)`. */
export class Repeat {
	constructor(readonly unit: string, readonly times: number) {}
	toString(): string {
		return this.unit.repeat(this.times);
	}
	toJSON(): string {
		return this.toString();
	}
	[fc.toStringMethod](): string {
		return `${JSON.stringify(this.unit)}.repeat(${this.times})`;
	}
}

const RAW_NUMBER = '@@RAWNUM:';

/** A number written as `text` in the JSON body (e.g. `1e999`, `-0`, `00012`): no JS value stringifies so. */
export class RawNumber {
	constructor(readonly text: string) {}
	toJSON(): string {
		return `${RAW_NUMBER}${this.text}@@`;
	}
	[fc.toStringMethod](): string {
		return `raw(${this.text})`;
	}
}

/** JSON text of `value`, with `Repeat`s expanded and `RawNumber`s written as they are. */
export function toJson(value: unknown): string {
	const text = JSON.stringify(value) ?? 'null';
	return text.includes(RAW_NUMBER) ? text.replace(/"@@RAWNUM:(.*?)@@"/g, (_m, raw: string) => raw) : text;
}

/** `value` with `Repeat`s expanded (as the server will see it), for GraphQL literals and URLs. */
export function expand(value: unknown): unknown {
	if (value instanceof Repeat) return value.toString();
	if (Array.isArray(value)) return value.map(expand);
	if (value !== null && typeof value === 'object' && !(value instanceof RawNumber)) {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]));
	}
	return value;
}

/** The value as a GraphQL input literal (invalid GraphQL when a key is not a name: the host's to refuse). */
export function graphqlLiteral(value: unknown): string {
	if (value instanceof RawNumber) return value.text;
	if (value instanceof Repeat) return JSON.stringify(value.toString());
	if (value === null || value === undefined) return 'null';
	if (typeof value === 'string') return JSON.stringify(value);
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
	if (typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return `[${value.map(graphqlLiteral).join(', ')}]`;
	if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${k}: ${graphqlLiteral(v)}`).join(', ')}}`;
	return JSON.stringify(String(value));
}
