// The shortest gap between two runs of a cron expression (5 fields, or 6 with seconds first),
// as a lower bound: the schedule's lease must be shorter than it, so a claim lasts one period.
const FIELDS = [
	{ unitMs: 1000, min: 0, max: 59 }, // seconds
	{ unitMs: 60_000, min: 0, max: 59 }, // minutes
	{ unitMs: 3_600_000, min: 0, max: 23 }, // hours
];
const DAY_MS = 86_400_000;

export function cronPeriodMs(expression: string): number {
	const parts = expression.trim().split(/\s+/);
	const timeFields = parts.length === 6 ? parts.slice(0, 3) : ['0', ...parts.slice(0, 2)];
	for (let i = 0; i < 3; i++) {
		const field = FIELDS[i]!;
		const values = expand(timeFields[i]!, field.min, field.max);
		if (values === null) return field.unitMs; // unreadable: assume the shortest
		if (values.length < 2) continue;
		let gap = values[0]! + (field.max - field.min + 1) - values[values.length - 1]!;
		for (let k = 1; k < values.length; k++) gap = Math.min(gap, values[k]! - values[k - 1]!);
		return gap * field.unitMs;
	}
	return DAY_MS;
}

/** The values a field allows, sorted; null when the field is not plain numbers. */
function expand(field: string, min: number, max: number): number[] | null {
	const out = new Set<number>();
	for (const part of field.split(',')) {
		const match = /^(\*|\?|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
		if (!match) return null;
		const star = match[1] === '*' || match[1] === '?';
		const from = star ? min : Number(match[2]);
		const to = star ? max : match[3] !== undefined ? Number(match[3]) : match[4] !== undefined ? max : from;
		const step = match[4] !== undefined ? Number(match[4]) : 1;
		if (step < 1 || from < min || to > max || from > to) return null;
		for (let v = from; v <= to; v += step) out.add(v);
	}
	return [...out].sort((a, b) => a - b);
}
