// The password rules, pure: length in code points after NFKC (and why a long raw value needs no
// normalising), the shipped list and the project's file, context words, the host's regex, the
// order the rules are judged in, and the one error they make. Speed is in bench/password-policy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { START_UP } from '../../src/capabilities.js';
import { passwordRefused } from '../../src/password-policy/errors.js';
import { commonPasswords, createPasswordPolicy } from '../../src/password-policy/policy.js';
import { comparable, contextParts, judgePassword, localPart, MAX_PASSWORD_LENGTH, type PasswordContext, type PasswordRules, type Refusal } from '../../src/password-policy/rules.js';
import { ConfigError, loadConfig } from '../../src/shared/config.js';

const rules = (over: Partial<PasswordRules> = {}): PasswordRules => ({ minLength: 12, common: commonPasswords(), project: new Set(), hostPolicy: null, ...over });
const judge = (password: string, contexts: PasswordContext[] = [], over: Partial<PasswordRules> = {}) => judgePassword(password, rules(over), contexts);

describe('length', () => {
	it('counts code points after NFKC: 12 by default, at most 256', () => {
		expect(judge('plinth-ocelot')).toBeNull();
		expect(judge('plinth-ocel')).toEqual({ rule: 'min-length' });
		// Eleven emoji are 22 UTF-16 units but 11 characters; one more makes 12.
		expect(judge('🦊'.repeat(11))).toEqual({ rule: 'min-length' });
		expect(judge('🦊'.repeat(12))).toBeNull();
		// "ﬃ" (one ligature) is "ffi" after NFKC: 4 ligatures + 0 = 12 code points.
		expect(judge('ﬃ'.repeat(4))).toBeNull();
		expect(judge('x'.repeat(MAX_PASSWORD_LENGTH))).toBeNull();
		expect(judge('x'.repeat(MAX_PASSWORD_LENGTH + 1))).toEqual({ rule: 'max-length' });
		expect(judge('x'.repeat(1_000_000))).toEqual({ rule: 'max-length' });
		expect(judge('plinth', [], { minLength: 4 })).toBeNull();
	});

	it('a value composed by NFKC is judged by its composed length', () => {
		// U+1F82 decomposes into 4 code points, the longest decomposition there is: 256 of it, written
		// decomposed (1,024 code points), is 256 characters after NFKC.
		const decomposed = '\u1f82'.normalize('NFD');
		expect([...decomposed]).toHaveLength(4);
		expect(judge(decomposed.repeat(MAX_PASSWORD_LENGTH))).toBeNull();
		expect(judge(decomposed.repeat(MAX_PASSWORD_LENGTH + 1))).toEqual({ rule: 'max-length' });
	});

	it('no code point decomposes into more than 4 (why a value over 8 × 256 UTF-16 units is refused unread)', () => {
		let longest = 0;
		for (let cp = 0; cp <= 0x10ffff; cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff) continue;
			const n = [...String.fromCodePoint(cp).normalize('NFD')].length;
			if (n > longest) longest = n;
		}
		expect(longest).toBe(4);
	});
});

describe('known passwords', () => {
	it('ships at least 10,000 common passwords, compared case-insensitively after NFKC', () => {
		expect(commonPasswords().size).toBeGreaterThanOrEqual(10_000);
		expect(judge('qwerty123456')).toEqual({ rule: 'common' });
		expect(judge('QWERTY123456')).toEqual({ rule: 'common' });
		expect(judge('ｑｗｅｒｔｙ１２３４５６')).toEqual({ rule: 'common' }); // fullwidth
		expect(judge('password1234')).toEqual({ rule: 'common' });
		expect(judge('password', [], { minLength: 8 })).toEqual({ rule: 'common' });
		expect(judge('qwerty123456!')).toBeNull(); // no more than the list: a list, not a strength meter
	});

	it("the project's own list", () => {
		const project = new Set(['Acme-Rocket-2026'].map(comparable));
		expect(judge('acme-rocket-2026', [], { project })).toEqual({ rule: 'project-list' });
		expect(judge('ACME-ROCKET-2026', [], { project })).toEqual({ rule: 'project-list' });
		expect(judge('acme-rocket-2027', [], { project })).toBeNull();
	});

	it('no composition rules: a long lower-case passphrase is fine', () => {
		expect(judge('plinth ocelot marigold')).toBeNull();
		expect(judge('ocelotmarigold')).toBeNull();
	});
});

describe('context words', () => {
	it("refuses the email's local part, the names and the project's name, in parts of 4 or more, case-insensitively", () => {
		const owner = { email: 'Margaret.Ng@example.com', first_name: 'Margaret', last_name: 'Ng', project_name: 'Orbital Works' };
		expect(judge('margaret-plinth-ocelot', [owner])).toEqual({ rule: 'context', source: 'email' });
		expect(judge('xx-MARGARET-plinth', [{ ...owner, email: null }])).toEqual({ rule: 'context', source: 'first_name' });
		expect(judge('plinth-ocelot-orbital', [owner])).toEqual({ rule: 'context', source: 'project_name' });
		expect(judge('plinth-ocelot-works!', [owner])).toEqual({ rule: 'context', source: 'project_name' });
		// "Ng" is shorter than 4: not looked for.
		expect(judge('ng-plinth-ocelot', [owner])).toBeNull();
		expect(judge('plinth-ocelot-tonga', [{ first_name: 'Tonga Lee' }])).toEqual({ rule: 'context', source: 'first_name' });
		expect(judge('plinth-ocelot-zhou', [{ last_name: 'Zhou' }])).toEqual({ rule: 'context', source: 'last_name' });
		// NFKC on both sides: a fullwidth name is the same name.
		expect(judge('plinth-ocelot-zhou', [{ last_name: 'Ｚｈｏｕ' }])).toEqual({ rule: 'context', source: 'last_name' });
		// The domain is not the user's.
		expect(judge('example-plinth-ocelot', [{ email: 'jo@example.com' }])).toBeNull();
	});

	it('every owner of a write counts', () => {
		expect(judge('plinth-ocelot-ruth', [{ first_name: 'Anna' }, { first_name: 'Ruth' }])).toEqual({ rule: 'context', source: 'first_name' });
	});

	it('splits at anything but letters, digits and marks', () => {
		expect(contextParts('jean-luc.picard_2305+x')).toEqual(['jean', 'picard', '2305']);
		expect(contextParts('Zoë Ångström')).toEqual(['ångström']); // "zoë" has 3 code points
		expect(localPart('a@b@example.com')).toBe('a@b');
		expect(localPart('no-at-sign')).toBe('no-at-sign');
	});
});

describe("the host's auth_password_policy", () => {
	it('applies as well, to the password as sent, after our rules', () => {
		const hostPolicy = '/^(?=.*[0-9]).{8,}$/';
		expect(judge('plinth-ocelot', [], { hostPolicy })).toEqual({ rule: 'host-policy' });
		expect(judge('plinth-ocelot-7', [], { hostPolicy })).toBeNull();
		// Our rules first: the message names the one that matters most.
		expect(judge('qwerty123456', [], { hostPolicy: '/^x/' })).toEqual({ rule: 'common' });
		// A broken regex refuses nobody (the host's own check would throw on it).
		expect(judge('plinth-ocelot', [], { hostPolicy: '/([/' })).toBeNull();
	});
});

describe('the refusal', () => {
	const cases: [Refusal, string][] = [
		[{ rule: 'min-length' }, 'Password must be at least 12 characters long'],
		[{ rule: 'max-length' }, 'Password must be at most 256 characters long'],
		[{ rule: 'common' }, 'Password is one of the most common passwords: choose one nobody would guess'],
		[{ rule: 'project-list' }, "Password is on this project's list of refused passwords"],
		[{ rule: 'context', source: 'email' }, "Password must not contain the email address's name"],
		[{ rule: 'context', source: 'project_name' }, "Password must not contain the project's name"],
		[{ rule: 'host-policy' }, "Password doesn't match the project's password policy"],
	];
	it.each(cases)('%j: 400 PASSWORD_POLICY, "%s"', (refusal, message) => {
		const error = passwordRefused(refusal, 12);
		expect(error.status).toBe(400);
		expect(error.code).toBe('PASSWORD_POLICY');
		expect(error.message).toBe(message);
		expect(error.extensions.rule).toBe(refusal.rule);
	});

	it('the policy throws it, and never with the password in it', async () => {
		const knex = Object.assign(() => ({ select: () => ({ first: async () => ({ project_name: 'Orbital', auth_password_policy: null }) }) }), {});
		const policy = createPasswordPolicy({ config: loadConfig({}, START_UP.settings), knex: knex as never });
		await expect(policy.check('plinth-ocelot', [{ email: 'jo@example.com' }])).resolves.toBeUndefined();
		for (const password of ['qwerty123456', 'orbital-plinth-9', 'short-one']) {
			const error = await policy.check(password, []).catch((e: unknown) => e as Error);
			expect((error as { code?: string }).code).toBe('PASSWORD_POLICY');
			expect(JSON.stringify(error)).not.toContain(password);
			expect((error as Error).message).not.toContain(password);
		}
	});

	it('judges any string without throwing', () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 300, unit: 'binary' }), fc.string({ maxLength: 30 }), (password, name) => {
				const refusal = judge(password, [{ first_name: name, email: `${name}@example.com` }], { hostPolicy: '/^.{8,}$/' });
				expect(refusal === null || typeof refusal.rule === 'string').toBe(true);
			}),
			{ numRuns: 2000 },
		);
	});
});

describe('settings', () => {
	const load = (env: Record<string, unknown>) => loadConfig(env, START_UP.settings);

	it('USER_LIFECYCLE_PASSWORD_MIN_LENGTH: 12 by default, 1 to 256', () => {
		expect(load({}).passwordMinLength).toBe(12);
		expect(load({ USER_LIFECYCLE_PASSWORD_MIN_LENGTH: '15' }).passwordMinLength).toBe(15);
		for (const bad of ['0', '257', 'twelve', '8.5']) expect(() => load({ USER_LIFECYCLE_PASSWORD_MIN_LENGTH: bad })).toThrow(ConfigError);
	});

	it('USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH: one a line (BOM, CRLF and blank lines aside), read at start-up', () => {
		const dir = mkdtempSync(join(tmpdir(), 'ul-blocklist-'));
		const file = join(dir, 'refused.txt');
		writeFileSync(file, '\uFEFFAcme-Rocket-2026\r\n\r\norbital works 1\n');
		expect(load({ USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH: file }).passwordBlocklist).toEqual(['acme-rocket-2026', 'orbital works 1']);
		expect(load({}).passwordBlocklist).toEqual([]);
		expect(() => load({ USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH: join(dir, 'missing.txt') })).toThrow(/USER_LIFECYCLE_PASSWORD_BLOCKLIST_PATH.*ENOENT/);
	});
});
