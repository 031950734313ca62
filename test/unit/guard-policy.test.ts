// The guard's pure decisions: who may move a user from one status to another, and the
// schedule's period (its lease must be shorter than one period).
import { describe, expect, it } from 'vitest';
import { defaultTransitions, mayTransition, parseTransitions, refusalReason } from '../../src/status/transitions.js';
import { cronPeriodMs, scheduleLeaseMs } from '../../src/bundle/schedule.js';

const table = defaultTransitions();
const admin = { kind: 'api', admin: true } as const;
const member = { kind: 'api', admin: false } as const;
const flow = { kind: 'flow' } as const;
const host = { kind: 'host' } as const;

describe('mayTransition', () => {
	it('opens flow cells only to flows', () => {
		expect(mayTransition(table, 'invited', 'active', admin)).toBe(false);
		expect(mayTransition(table, 'invited', 'active', flow)).toBe(true);
		expect(mayTransition(table, null, 'unverified', admin)).toBe(false);
		expect(mayTransition(table, null, 'unverified', flow)).toBe(true);
		expect(mayTransition(table, 'invited', 'invited', admin)).toBe(false);
		expect(mayTransition(table, 'invited', 'invited', flow)).toBe(true);
		// closed to flows too: registration creates an account held for approval as `draft`
		expect(mayTransition(table, 'unverified', 'draft', flow)).toBe(false);
	});
	it('closes "no" cells to everyone', () => {
		expect(mayTransition(table, 'archived', 'suspended', admin)).toBe(false);
		expect(mayTransition(table, 'archived', 'suspended', flow)).toBe(false);
		expect(mayTransition(table, 'active', 'invited', flow)).toBe(false);
		expect(mayTransition(table, 'active', 'invited', host)).toBe(false);
	});
	it('trusts nobody for being anonymous: a write without accountability gets what an admin gets', () => {
		expect(mayTransition(table, 'invited', 'active', host)).toBe(false);
		expect(mayTransition(table, 'unverified', 'active', host)).toBe(false);
		expect(mayTransition(table, null, 'unverified', host)).toBe(false);
		expect(mayTransition(table, null, 'invited', host)).toBe(false);
		expect(mayTransition(table, 'active', 'suspended', host)).toBe(true);
		expect(mayTransition(table, null, 'active', host)).toBe(true);
		expect(mayTransition(table, 'inactive-license', 'active', host)).toBe(true);
	});
	it('lets yes cells and plain no-ops through', () => {
		expect(mayTransition(table, 'active', 'suspended', member)).toBe(true);
		expect(mayTransition(table, 'suspended', 'suspended', member)).toBe(true);
		expect(mayTransition(table, null, 'active', member)).toBe(true);
	});
	it('leaves host statuses to the host, flows and admins', () => {
		expect(mayTransition(table, 'invited', 'inactive-license', host)).toBe(true);
		expect(mayTransition(table, 'inactive-license', 'active', admin)).toBe(true);
		expect(mayTransition(table, 'inactive-license', 'active', member)).toBe(false);
		expect(mayTransition(table, 'active', 'inactive-license', member)).toBe(false);
		expect(mayTransition(table, 'active', 'whatever', flow)).toBe(true);
	});
	it('names from and to when refusing', () => {
		expect(refusalReason('archived', 'suspended')).toBe(`Status can't change from "archived" to "suspended"`);
		expect(refusalReason(null, 'invited')).toBe(`Status can't change from "create" to "invited"`);
	});
	it('an override changes single cells and is validated', () => {
		const custom = parseTransitions({ active: { invited: 'yes' }, invited: { active: 'yes' } });
		expect(mayTransition(custom, 'active', 'invited', member)).toBe(true);
		expect(mayTransition(custom, 'invited', 'active', admin)).toBe(true);
		expect(mayTransition(custom, 'archived', 'suspended', admin)).toBe(false);
		expect(() => parseTransitions({ active: { banned: 'yes' } })).toThrow(/banned/);
		expect(() => parseTransitions({ gone: {} })).toThrow(/gone/);
		expect(() => parseTransitions({ active: { suspended: 'maybe' } })).toThrow(/active -> suspended/);
		expect(() => parseTransitions([])).toThrow();
	});
});

describe('cronPeriodMs and the lease', () => {
	it('reads the shortest gap of common expressions', () => {
		expect(cronPeriodMs('*/1 * * * *')).toBe(60_000);
		expect(cronPeriodMs('*/5 * * * *')).toBe(300_000);
		expect(cronPeriodMs('*/2 * * * * *')).toBe(2000);
		expect(cronPeriodMs('* * * * * *')).toBe(1000);
		expect(cronPeriodMs('0,30 * * * *')).toBe(1_800_000);
		expect(cronPeriodMs('0 */6 * * *')).toBe(6 * 3_600_000);
		expect(cronPeriodMs('15 3 * * *')).toBe(86_400_000);
		expect(cronPeriodMs('0 10-50/20 * * * *')).toBe(20 * 60_000);
		expect(cronPeriodMs('0 10,15 * * *')).toBe(5 * 3_600_000);
	});
	it('holds a lease for half a period, within bounds', () => {
		expect(scheduleLeaseMs('*/1 * * * *')).toBe(30_000);
		expect(scheduleLeaseMs('* * * * * *')).toBe(500);
		expect(scheduleLeaseMs('15 3 * * *')).toBe(600_000);
	});
});
