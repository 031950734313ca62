// What the notices listen to, so that they import no capability: the host's `auth.login` action
// (sign-ins; our recovery-code login declares itself, shared/sign-in-method.ts), its
// `users.update` action (a password written outside the extension's flows: a user's own change,
// an administrator's), and the extension's own lifecycle events (a reset, two-factor turned off,
// recovery codes, passkeys; the passkey and email-link sign-ins), whose payloads carry `ip` and
// `user_agent`.
import type { RegisterFunctions } from '@directus/types';
import type { LifecyclePayload } from '../shared/events.js';
import { currentFlow } from '../shared/flow-scope.js';
import { clientOfAccountability, type Client } from '../shared/notice-details.js';
import type { Runtime } from '../shared/runtime.js';
import { declaredSignInMethod, type SignInMethod } from '../shared/sign-in-method.js';
import { sendNotice, signedIn } from './flow.js';
import type { NoticeBy } from './mails.js';
import type { NoticeKind } from './settings.js';

/** The request a lifecycle event was made by, as its payload names it. */
const clientOf = (payload: LifecyclePayload): Client => ({
	ip: typeof payload['ip'] === 'string' ? payload['ip'] : null,
	user_agent: typeof payload['user_agent'] === 'string' ? payload['user_agent'] : null,
});

/** The user did it, or someone else (an administrator) did it to them. */
const byWhom = (payload: LifecyclePayload): NoticeBy => (payload.actor !== null && payload.actor !== payload.user ? 'admin' : 'you');

/** How a host login was made: declared by our own login, else read from what the host was sent. */
function methodOf(payload: unknown): SignInMethod {
	const declared = declaredSignInMethod();
	if (declared) return declared;
	const sent = (payload ?? {}) as Record<string, unknown>;
	if (typeof sent['password'] !== 'string') return 'sso';
	return typeof sent['otp'] === 'string' && sent['otp'] !== '' ? 'otp' : 'password';
}

/** Lifecycle events and the notice each one is. */
const NOTICE_OF: Readonly<Record<string, (payload: LifecyclePayload) => { kind: NoticeKind; by: NoticeBy }>> = {
	'password-reset': () => ({ kind: 'password-changed', by: 'reset' }),
	'tfa-disabled': (payload) => ({ kind: 'tfa-disabled', by: byWhom(payload) }),
	'tfa-reset': (payload) => ({ kind: 'tfa-disabled', by: byWhom(payload) }),
	'recovery-codes-issued': (payload) => ({ kind: 'recovery-codes-issued', by: byWhom(payload) }),
	'recovery-code-used': () => ({ kind: 'recovery-code-used', by: 'you' }),
	'passkey-added': (payload) => ({ kind: 'passkey-added', by: byWhom(payload) }),
	'passkey-removed': (payload) => ({ kind: 'passkey-removed', by: byWhom(payload) }),
};

/** Sign-ins the host does not make (its `auth.login` never fires for them), by their lifecycle event. */
const SIGN_IN_OF: Readonly<Record<string, SignInMethod>> = {
	'passkey-sign-in': 'passkey',
	'email-sign-in': 'email-link',
};

export function registerNoticeListeners(register: RegisterFunctions, rt: Runtime): void {
	register.action('auth.login', (meta, context) => {
		if (meta['status'] !== 'success' || typeof meta['user'] !== 'string') return;
		// Read now, inside the login's async context.
		const method = methodOf(meta['payload']);
		void signedIn(rt, meta['user'], method, clientOfAccountability((context as { accountability?: { ip?: string | null; userAgent?: string } }).accountability));
	});

	for (const [step, notice] of Object.entries(NOTICE_OF)) {
		register.action(`user-lifecycle.${step}`, (meta) => {
			const payload = meta as LifecyclePayload;
			if (typeof payload.user !== 'string') return;
			void sendNotice(rt, { ...notice(payload), user: payload.user, client: clientOf(payload) });
		});
	}
	for (const [step, method] of Object.entries(SIGN_IN_OF)) {
		register.action(`user-lifecycle.${step}`, (meta) => {
			const payload = meta as LifecyclePayload;
			if (typeof payload.user === 'string') void signedIn(rt, payload.user, method, clientOf(payload));
		});
	}

	// A password written outside the extension's flows (theirs announce themselves above).
	register.action('users.update', (meta, context) => {
		const payload = meta['payload'] as Record<string, unknown> | undefined;
		const keys = meta['keys'] as (string | number)[] | undefined;
		if (!payload || payload['password'] === undefined || !keys?.length || currentFlow()) return;
		const accountability = (context as { accountability?: { user?: string | null; ip?: string | null; userAgent?: string } | null }).accountability ?? null;
		for (const key of keys.map(String)) {
			const by: NoticeBy = accountability?.user === key ? 'you' : 'admin';
			void sendNotice(rt, { kind: 'password-changed', user: key, client: clientOfAccountability(accountability), by });
		}
	});
}
