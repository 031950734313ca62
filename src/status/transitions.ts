const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const LIFECYCLE_STATUSES = ['draft', 'invited', 'unverified', 'active', 'suspended', 'archived'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];
/** The row for a user that does not exist yet. */
export const CREATE = 'create';
export type From = LifecycleStatus | typeof CREATE;
/** yes: anyone with the host's permission; flow: only the extension's own flows; no: nobody. */
export type Verdict = 'yes' | 'flow' | 'no';
export type TransitionTable = Record<From, Record<LifecycleStatus, Verdict>>;

// The SPEC's table, row = from, column = to (draft, invited, unverified, active, suspended, archived).
const DEFAULT_ROWS: Record<From, Verdict[]> = {
	create: ['yes', 'flow', 'flow', 'yes', 'no', 'no'],
	draft: ['yes', 'flow', 'no', 'yes', 'no', 'yes'],
	invited: ['yes', 'flow', 'no', 'flow', 'no', 'yes'],
	unverified: ['no', 'no', 'yes', 'flow', 'no', 'yes'],
	active: ['no', 'no', 'no', 'yes', 'yes', 'yes'],
	suspended: ['no', 'no', 'no', 'yes', 'yes', 'yes'],
	archived: ['yes', 'flow', 'no', 'yes', 'no', 'yes'],
};

export function defaultTransitions(): TransitionTable {
	const table = {} as TransitionTable;
	for (const [from, verdicts] of Object.entries(DEFAULT_ROWS) as [From, Verdict[]][]) {
		table[from] = Object.fromEntries(LIFECYCLE_STATUSES.map((to, i) => [to, verdicts[i]!])) as Record<LifecycleStatus, Verdict>;
	}
	return table;
}

/** Merges a `{ from: { to: verdict } }` override onto the default table; throws on a bad cell. */
export function parseTransitions(raw: unknown): TransitionTable {
	const table = defaultTransitions();
	if (raw === undefined || raw === null || raw === '') return table;
	if (!isPlainObject(raw)) throw new Error('must be a JSON object { "<from>": { "<to>": "yes" | "flow" | "no" } }');
	for (const [from, row] of Object.entries(raw)) {
		if (!(from in table)) throw new Error(`unknown "from" status "${from}"`);
		if (!isPlainObject(row)) throw new Error(`row "${from}" must be an object`);
		for (const [to, verdict] of Object.entries(row)) {
			if (!(LIFECYCLE_STATUSES as readonly string[]).includes(to)) throw new Error(`unknown "to" status "${to}" in row "${from}"`);
			if (verdict !== 'yes' && verdict !== 'flow' && verdict !== 'no') throw new Error(`cell ${from} -> ${to} must be "yes", "flow" or "no"`);
			table[from as From][to as LifecycleStatus] = verdict;
		}
	}
	return table;
}

export function isLifecycleStatus(value: unknown): value is LifecycleStatus {
	return typeof value === 'string' && (LIFECYCLE_STATUSES as readonly string[]).includes(value);
}

/**
 * Whether a write may move a user from `from` to `to`. Statuses outside the lifecycle model
 * (such as the host's licence status `inactive-license`) are the host's business: not judged here.
 * Writing a status onto itself follows the table's diagonal (`invited -> invited`, a re-invitation,
 * is a flow's business; the others are plain no-ops).
 */
export function isTransitionAllowed(table: TransitionTable, from: string | null, to: string, byFlow: boolean): boolean {
	const source = from === null ? CREATE : from;
	if (!isLifecycleStatus(to)) return true;
	if (source !== CREATE && !isLifecycleStatus(source)) return true;
	const verdict = table[source as From][to];
	return verdict === 'yes' || (verdict === 'flow' && byFlow);
}

/**
 * Who is writing: one of the extension's flows, a write without accountability outside our flows
 * (the host's licence checks, its own invite acceptance or registration, a Flow running as the
 * system, another extension's service), or a caller through the API.
 */
export type Writer = { kind: 'flow' } | { kind: 'host' } | { kind: 'api'; admin: boolean };

/**
 * The guard's decision for one user. Nothing is trusted for being anonymous: a write without
 * accountability may do what an admin may (the `yes` cells, and the host's own moves into and out
 * of statuses outside the six, such as its licence status `inactive-license`), never a `flow`
 * cell. Statuses outside the six belong to the host: the host, flows and admins may move users
 * into and out of them, other API callers may not.
 */
export function mayTransition(table: TransitionTable, from: string | null, to: string, writer: Writer): boolean {
	if (writer.kind === 'host') return mayTransition(table, from, to, { kind: 'api', admin: true });
	if (from === to && !isLifecycleStatus(to)) return true;
	const known = isLifecycleStatus(to) && (from === null || isLifecycleStatus(from));
	if (!known) return writer.kind === 'flow' || writer.admin;
	return isTransitionAllowed(table, from, to, writer.kind === 'flow');
}

export function refusalReason(from: string | null, to: string): string {
	return `Status can't change from "${from ?? CREATE}" to "${to}"`;
}
