const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses the host's duration notation ("15m", "7d", "500ms", or a bare number of ms). */
export function parseDuration(value: unknown): number | null {
	if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
	if (typeof value !== 'string') return null;
	const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value);
	if (!match) return null;
	const unit = (match[2] ?? 'ms').toLowerCase();
	return Math.round(Number(match[1]) * UNIT_MS[unit]!);
}
