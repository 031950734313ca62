// The email sign-in suites' settings profile: sign-in on, one allow-listed page, a stall long enough
// to measure, no per-IP limits, a login lock after three wrong passwords, and the event recorder
// (one file per worker, so the files of a worker share one host per database).
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { CapturedMail } from '../../harness/mailbox.js';
import type { ApiResponse } from '../../harness/host.js';

export const SIGN_IN_URL = 'https://app.example.com/sign-in';
export const STALL = 300;
export const LOGIN_STALL = 200;
export const LOGIN_MAX_ATTEMPTS = 3;

const EVENTS_FILE = join(mkdtempSync(join(tmpdir(), 'sign-in-events-')), 'events.jsonl');
export const EVENT_RECORDER = resolve(__dirname, '../../fixtures/directus-extension-event-recorder');

export const SIGN_IN_ENV: Record<string, string> = {
	USER_LIFECYCLE_EMAIL_SIGN_IN: 'true',
	USER_LIFECYCLE_SIGN_IN_URL_ALLOW_LIST: SIGN_IN_URL,
	USER_LIFECYCLE_EMAIL_SIGN_IN_STALL_TIME: String(STALL),
	USER_LIFECYCLE_EMAIL_SIGN_IN_IP_MAX_PER_MINUTE: '0',
	USER_LIFECYCLE_RESET_IP_MAX_PER_MINUTE: '0',
	USER_LIFECYCLE_RESET_STALL_TIME: '0',
	USER_LIFECYCLE_LOGIN_MAX_ATTEMPTS: String(LOGIN_MAX_ATTEMPTS),
	LOGIN_STALL_TIME: String(LOGIN_STALL),
	EVENT_RECORDER_FILE: EVENTS_FILE,
};

/** The `user-lifecycle.email-sign-in` events the recorder heard about `user`. */
export function signInEvents(user: string): { payload: Record<string, unknown> }[] {
	if (!existsSync(EVENTS_FILE)) return [];
	return readFileSync(EVENTS_FILE, 'utf8')
		.split('\n')
		.filter(Boolean)
		.map((line) => JSON.parse(line))
		.filter((entry) => entry.event === 'user-lifecycle.email-sign-in' && entry.payload?.user === user);
}

/** The link's token and the code a sign-in mail carries. */
export function secretsOf(mail: CapturedMail): { token: string; code: string; link: string } {
	const link = mail.links.find((l) => l.includes('token='));
	const code = /letter-spacing[^>]*>\s*(\d{6})\s*</.exec(mail.html)?.[1];
	if (!link || !code) throw new Error(`not a sign-in mail: ${mail.subject}`);
	return { token: new URL(link).searchParams.get('token')!, code, link };
}

export function expectError(res: ApiResponse, status: number, code: string): void {
	expect(res.status, res.text).toBe(status);
	expect(res.body.errors[0].extensions.code, res.text).toBe(code);
}
