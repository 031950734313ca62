// The security notices' mails, one template per kind (`user-lifecycle-notice-<kind>`; a project's
// own file of that name replaces it), in English and German by the recipient's `language`. Each
// says what happened, when, from which IP and browser (but for an administrator's doing), and
// carries a "this wasn't me" link. Every value arrives HTML-escaped (the outbox escapes the data).
import type { MailTemplate } from '../shared/mail.js';
import { NOTICE_KINDS, type NoticeKind } from './settings.js';

export const noticeTemplate = (kind: NoticeKind) => `user-lifecycle-notice-${kind}`;

/** Who did it, when the notice says: the user (`you`), a reset link (`reset`), or an administrator (`admin`). */
export type NoticeBy = 'you' | 'reset' | 'admin';

interface Words {
	subject: string;
	/** The sentence saying what happened (Liquid: may branch on `by`, print `project_name`). */
	what: string;
}

const TEXTS: Record<NoticeKind, { en: Words; de: Words }> = {
	'new-device': {
		en: { subject: 'New sign-in to your account', what: 'Your account at <i>{{ project_name }}</i> was signed in to from a device it was not used from in the last 90 days.' },
		de: { subject: 'Neue Anmeldung bei Ihrem Konto', what: 'Bei Ihrem Konto bei <i>{{ project_name }}</i> hat sich jemand von einem Gerät angemeldet, das in den letzten 90 Tagen nicht verwendet wurde.' },
	},
	'password-changed': {
		en: {
			subject: 'Your password was changed',
			what: '{% if by == "admin" %}An administrator changed the password of your account at <i>{{ project_name }}</i>.{% elsif by == "reset" %}The password of your account at <i>{{ project_name }}</i> was changed with a reset link.{% else %}The password of your account at <i>{{ project_name }}</i> was changed.{% endif %}',
		},
		de: {
			subject: 'Ihr Passwort wurde geändert',
			what: '{% if by == "admin" %}Eine Administratorin oder ein Administrator hat das Passwort Ihres Kontos bei <i>{{ project_name }}</i> geändert.{% elsif by == "reset" %}Das Passwort Ihres Kontos bei <i>{{ project_name }}</i> wurde über einen Link zum Zurücksetzen geändert.{% else %}Das Passwort Ihres Kontos bei <i>{{ project_name }}</i> wurde geändert.{% endif %}',
		},
	},
	'tfa-disabled': {
		en: {
			subject: 'Two-factor authentication was turned off',
			what: '{% if by == "admin" %}An administrator turned off two-factor authentication for your account at <i>{{ project_name }}</i>.{% else %}Two-factor authentication was turned off for your account at <i>{{ project_name }}</i>.{% endif %}',
		},
		de: {
			subject: 'Zwei-Faktor-Authentifizierung wurde ausgeschaltet',
			what: '{% if by == "admin" %}Eine Administratorin oder ein Administrator hat die Zwei-Faktor-Authentifizierung Ihres Kontos bei <i>{{ project_name }}</i> ausgeschaltet.{% else %}Die Zwei-Faktor-Authentifizierung Ihres Kontos bei <i>{{ project_name }}</i> wurde ausgeschaltet.{% endif %}',
		},
	},
	'recovery-codes-issued': {
		en: { subject: 'New recovery codes were made', what: 'A new set of recovery codes was made for your account at <i>{{ project_name }}</i>; any earlier codes no longer work.' },
		de: { subject: 'Neue Wiederherstellungscodes wurden erstellt', what: 'Für Ihr Konto bei <i>{{ project_name }}</i> wurden neue Wiederherstellungscodes erstellt; frühere Codes gelten nicht mehr.' },
	},
	'recovery-code-used': {
		en: { subject: 'A recovery code was used', what: 'One of the recovery codes of your account at <i>{{ project_name }}</i> was used.' },
		de: { subject: 'Ein Wiederherstellungscode wurde verwendet', what: 'Einer der Wiederherstellungscodes Ihres Kontos bei <i>{{ project_name }}</i> wurde verwendet.' },
	},
	'passkey-added': {
		en: { subject: 'A passkey was added to your account', what: 'A passkey was added to your account at <i>{{ project_name }}</i>: it can sign in without your password.' },
		de: { subject: 'Ein Passkey wurde Ihrem Konto hinzugefügt', what: 'Ihrem Konto bei <i>{{ project_name }}</i> wurde ein Passkey hinzugefügt: Damit ist eine Anmeldung ohne Ihr Passwort möglich.' },
	},
	'passkey-removed': {
		en: { subject: 'A passkey was removed from your account', what: 'A passkey was removed from your account at <i>{{ project_name }}</i>.' },
		de: { subject: 'Ein Passkey wurde von Ihrem Konto entfernt', what: 'Von Ihrem Konto bei <i>{{ project_name }}</i> wurde ein Passkey entfernt.' },
	},
};

const METHOD = {
	en: '{% case method %}{% when "otp" %}password and one-time code{% when "recovery-code" %}password and recovery code{% when "passkey" %}passkey{% when "email-link" %}email link{% when "sso" %}single sign-on{% else %}password{% endcase %}',
	de: '{% case method %}{% when "otp" %}Passwort und Einmalcode{% when "recovery-code" %}Passwort und Wiederherstellungscode{% when "passkey" %}Passkey{% when "email-link" %}E-Mail-Link{% when "sso" %}Single Sign-on{% else %}Passwort{% endcase %}',
};

const button = (label: string) => `<p style="padding: 20px 0"><a class="button" rel="noopener" target="_blank" href="{{ url }}" style="font-size: 16px; font-weight: 600; color: #ffffff; text-decoration: none; display: inline-block; padding: 11px 24px; border-radius: 8px; background: #171717;">${label}</a></p>`;

function body(kind: NoticeKind, lang: 'en' | 'de'): string {
	const { what } = TEXTS[kind][lang];
	const method = kind === 'new-device' ? (lang === 'de' ? `<br>Angemeldet mit: ${METHOD.de}` : `<br>Signed in with: ${METHOD.en}`) : '';
	if (lang === 'de') {
		return `<h1>${TEXTS[kind].de.subject}</h1>
<p>${what}</p>
<p>Zeit: {{ time }}{% if by != "admin" %}<br>IP-Adresse: {{ ip }}<br>Browser: {{ browser }}${method}{% endif %}</p>
<p>Waren Sie das nicht? Dann werden mit dem folgenden Link alle Sitzungen Ihres Kontos beendet, und Sie erhalten einen Link, um ein neues Passwort zu setzen.</p>
${button('Das war ich nicht')}
<p>Dieser Link gilt 7 Tage und nur einmal.</p>`;
	}
	return `<h1>${TEXTS[kind].en.subject}</h1>
<p>${what}</p>
<p>Time: {{ time }}{% if by != "admin" %}<br>IP address: {{ ip }}<br>Browser: {{ browser }}${method}{% endif %}</p>
<p>Wasn't this you? The link below signs out every session of your account and mails you a link to set a new password.</p>
${button("This wasn't me")}
<p>The link works once, for 7 days.</p>`;
}

export const NOTICE_TEMPLATES: MailTemplate[] = NOTICE_KINDS.map((kind) => ({
	name: noticeTemplate(kind),
	subjects: { en: TEXTS[kind].en.subject, de: TEXTS[kind].de.subject },
	source: `{% layout "base" %}{% block content %}{% assign lang = language | default: "" | slice: 0, 2 | downcase %}
{% if lang == "de" %}${body(kind, 'de')}{% else %}${body(kind, 'en')}{% endif %}
{% endblock %}`,
}));
