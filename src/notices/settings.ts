// Which security notices go out: USER_LIFECYCLE_NOTICES, a comma-separated list of kinds (`all`
// by default, `none` for none). An unknown kind stops the extension at start-up, naming it.
import { ConfigError, raw, type Env, type SettingsOf } from '../shared/config.js';
import { toList } from '../shared/policy/url-allow-list.js';

export const NOTICE_KINDS = ['new-device', 'password-changed', 'tfa-disabled', 'recovery-codes-issued', 'recovery-code-used', 'passkey-added', 'passkey-removed'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export function parseNotices(value: unknown): ReadonlySet<NoticeKind> {
	const listed = toList(value).map((kind) => kind.toLowerCase());
	if (listed.length === 0 || (listed.length === 1 && listed[0] === 'all')) return new Set(NOTICE_KINDS);
	if (listed.length === 1 && listed[0] === 'none') return new Set();
	for (const kind of listed) {
		if (!(NOTICE_KINDS as readonly string[]).includes(kind)) throw new ConfigError('USER_LIFECYCLE_NOTICES', `"${kind}" is no notice (${NOTICE_KINDS.join(', ')}, or all, or none)`);
	}
	return new Set(listed as NoticeKind[]);
}

export const NOTICES_SETTINGS = {
	/** The kinds of security notice that are mailed. */
	notices: (env: Env) => parseNotices(raw(env, 'USER_LIFECYCLE_NOTICES', 'all')),
};

declare module '../shared/config.js' {
	interface Config extends SettingsOf<typeof NOTICES_SETTINGS> {}
}
