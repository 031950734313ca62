// The module's pure helpers (no Vue, no API): names, the host's search filter for typed words,
// typed values, durations, browser names, CSV. Unit-tested in test/unit/studio-format.test.ts.

/** How a person is named on the pages: their full name and email, else whichever there is. */
export function personName(user: { first_name?: string | null; last_name?: string | null; email?: string | null } | undefined | null): string {
	if (!user) return '';
	const name = [user.first_name, user.last_name].filter((part) => typeof part === 'string' && part.trim() !== '').join(' ');
	if (name && user.email) return `${name} (${user.email})`;
	return name || user.email || '';
}

/**
 * The host's filter for "these words, in any of these fields": every word must be in one of the
 * fields ("Carol Meyer" finds first name Carol and last name Meyer). Null for no words.
 */
export function wordsFilter(value: string, fields: readonly string[]): Record<string, unknown> | null {
	const words = value.split(/\s+/).map((w) => w.trim()).filter(Boolean).slice(0, 8);
	if (words.length === 0) return null;
	return { _and: words.map((w) => ({ _or: fields.map((field) => ({ [field]: { _icontains: w } })) })) };
}

/** Trimmed text of an input's value, whatever the input handed back (a cleared v-input hands back null). */
export function typed(value: string | null | undefined): string {
	return typeof value === 'string' ? value.trim() : '';
}

/** A link lifetime as the API takes it ("7d", "12h", "30m", "45s" or milliseconds): valid or not. */
export function isDuration(value: string): boolean {
	return /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?$/i.test(value.trim());
}

/** A browser's user agent as words: "Chrome 140 on Linux"; null when it names no known browser. */
export function browserOf(userAgent: string | null | undefined): { browser: string; os: string | null } | null {
	if (!userAgent) return null;
	const browsers: [RegExp, string][] = [
		[/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
		[/OPR\/(\d+)/, 'Opera'],
		[/Firefox\/(\d+)/, 'Firefox'],
		[/FxiOS\/(\d+)/, 'Firefox'],
		[/CriOS\/(\d+)/, 'Chrome'],
		[/HeadlessChrome\/(\d+)/, 'Chrome (headless)'],
		[/Chrome\/(\d+)/, 'Chrome'],
		[/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari/, 'Safari'],
	];
	const systems: [RegExp, string][] = [
		[/Windows NT/, 'Windows'],
		[/iPhone|iPad|iPod/, 'iOS'],
		[/Mac OS X|Macintosh/, 'macOS'],
		[/Android/, 'Android'],
		[/CrOS/, 'ChromeOS'],
		[/Linux/, 'Linux'],
	];
	const os = systems.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null;
	for (const [pattern, name] of browsers) {
		const match = pattern.exec(userAgent);
		if (match) return { browser: `${name} ${match[1]}`, os };
	}
	return null;
}

/** Rows as CSV (RFC 4180: quoted where needed, CRLF between rows). */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
	const cell = (value: unknown) => {
		const text = value === null || value === undefined ? '' : String(value);
		return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
	};
	return [columns.map(cell).join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\r\n') + '\r\n';
}
