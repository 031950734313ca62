import { assertFilter, isPlainObject, matchesFilter, type Filter, type MatchOptions } from './filter.js';

export interface RegistrationRule {
	filter: Filter;
	action: 'allow' | 'deny';
	role?: string;
	status?: 'draft' | 'active';
}

export type RegistrationDecision =
	| { action: 'deny' }
	| { action: 'allow'; role?: string; status?: 'draft' | 'active' };

const RULE_KEYS = new Set(['filter', 'action', 'role', 'status']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Validates the rules list from config; throws an Error naming the first bad rule. */
export function parseRegistrationRules(raw: unknown): RegistrationRule[] {
	if (!Array.isArray(raw)) throw new Error('must be a JSON array of rules');
	return raw.map((rule, index) => {
		const where = `rule ${index}`;
		if (!isPlainObject(rule)) throw new Error(`${where} must be an object`);
		for (const key of Object.keys(rule)) if (!RULE_KEYS.has(key)) throw new Error(`${where}: unknown key "${key}"`);
		assertFilter(rule['filter'], `${where}.filter`);
		if (rule['action'] !== 'allow' && rule['action'] !== 'deny') throw new Error(`${where}.action must be "allow" or "deny"`);
		if (rule['role'] !== undefined && (typeof rule['role'] !== 'string' || !UUID.test(rule['role']))) throw new Error(`${where}.role must be a role id (uuid)`);
		if (rule['status'] !== undefined && rule['status'] !== 'draft' && rule['status'] !== 'active') throw new Error(`${where}.status must be "draft" or "active"`);
		return rule as unknown as RegistrationRule;
	});
}

/** Emails are one account whatever their case (the host's login and lookups lower-case them): rules compare them so. */
const REGISTRATION_MATCHING: MatchOptions = { caseInsensitive: new Set(['email']) };

/**
 * A filter over a registration payload (a rule's, or the host's `public_registration_email_filter`):
 * the `email` field compares case-insensitively, every other field as written.
 */
export function matchesRegistrationFilter(filter: Filter, payload: Record<string, unknown>): boolean {
	return matchesFilter(filter, payload, REGISTRATION_MATCHING);
}

/** First matching rule wins; null when none matches (the host's defaults then apply). */
export function decideRegistration(rules: RegistrationRule[], payload: Record<string, unknown>): RegistrationDecision | null {
	for (const rule of rules) {
		if (!matchesRegistrationFilter(rule.filter, payload)) continue;
		if (rule.action === 'deny') return { action: 'deny' };
		return { action: 'allow', ...(rule.role ? { role: rule.role } : {}), ...(rule.status ? { status: rule.status } : {}) };
	}
	return null;
}
