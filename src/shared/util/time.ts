// Instants are stored as epoch milliseconds in bigint columns: the one representation that
// compares the same way on SQLite, PostgreSQL and MySQL. PostgreSQL hands bigints back as strings.
export function toMillis(value: unknown): number | null {
	if (value === null || value === undefined) return null;
	if (value instanceof Date) return value.getTime();
	const n = Number(value);
	return Number.isFinite(n) ? n : null;
}
