// Email change's two mails, shipped with the extension (a project's own templates of the same
// names in EMAIL_TEMPLATES_PATH replace them), in English and German by the recipient's
// `language`: the confirmation link to the new address, and the notice to the old one with the
// new address half-masked and a link that takes the change back. Every value in them arrives
// HTML-escaped (the outbox escapes the template data).
import type { MailTemplate } from '../shared/mail.js';

export const CONFIRM_TEMPLATE = 'user-lifecycle-email-change';
export const NOTICE_TEMPLATE = 'user-lifecycle-email-change-notice';

/** Where the change stands when the old address is told. */
export type NoticeStage = 'requested' | 'changed' | 'changed-by-admin';

/**
 * `jane.doe@example.com` -> `jane****@exa****.com`: the first half of the local part and of the
 * domain's first label, and the rest of the domain as it is — enough for the owner to recognise
 * an address, not enough to write to it (pure).
 */
export function maskEmail(address: string): string {
	const at = address.lastIndexOf('@');
	if (at < 0) return half(address);
	const local = address.slice(0, at);
	const domain = address.slice(at + 1);
	const dot = domain.indexOf('.');
	return dot < 0 ? `${half(local)}@${half(domain)}` : `${half(local)}@${half(domain.slice(0, dot))}${domain.slice(dot)}`;
}

function half(part: string): string {
	const chars = [...part];
	const kept = Math.max(1, Math.floor(chars.length / 2));
	return chars.slice(0, kept).join('') + '*'.repeat(Math.max(1, chars.length - kept));
}

// German first where the language says so (`de`, `de-DE`, `de_AT`), English otherwise.
const GERMAN = `{% assign lang = language | default: "" | slice: 0, 2 | downcase %}`;

const button = (label: string) => `<p style="padding: 20px 0"><a class="button" rel="noopener" target="_blank" href="{{ url }}" style="font-size: 16px; font-weight: 600; color: #ffffff; text-decoration: none; display: inline-block; padding: 11px 24px; border-radius: 8px; background: #171717;">${label}</a></p>`;

const CONFIRM_LIQUID = `{% layout "base" %}{% block content %}${GERMAN}
{% if lang == "de" %}
<h1>Neue E-Mail-Adresse bestätigen</h1>
<p>Für Ihr Konto bei <i>{{ project_name }}</i> wurde diese Adresse als neue E-Mail-Adresse angegeben. Bestätigen Sie sie mit dem folgenden Link; bis dahin bleibt die bisherige Adresse gültig.</p>
${button('Adresse bestätigen')}
<p>Der Link gilt 24 Stunden und nur einmal. Wenn Sie das nicht waren, ignorieren Sie diese E-Mail: Es ändert sich nichts.</p>
{% else %}
<h1>Confirm your new email address</h1>
<p>This address was given as the new email address of an account at <i>{{ project_name }}</i>. Confirm it with the link below; until then the current address stays in place.</p>
${button('Confirm this address')}
<p>The link works once, for 24 hours. If this wasn't you, ignore this mail: nothing changes.</p>
{% endif %}
{% endblock %}`;

const NOTICE_LIQUID = `{% layout "base" %}{% block content %}${GERMAN}
{% if lang == "de" %}
{% if stage == "requested" %}<h1>Änderung Ihrer E-Mail-Adresse angefordert</h1>
<p>Für Ihr Konto bei <i>{{ project_name }}</i> wurde beantragt, die E-Mail-Adresse in <b>{{ new_email }}</b> zu ändern. Sobald die neue Adresse bestätigt ist, gilt sie.</p>
{% elsif stage == "changed" %}<h1>Ihre E-Mail-Adresse wurde geändert</h1>
<p>Die E-Mail-Adresse Ihres Kontos bei <i>{{ project_name }}</i> ist jetzt <b>{{ new_email }}</b>.</p>
{% else %}<h1>Ihre E-Mail-Adresse wurde geändert</h1>
<p>Eine Administratorin oder ein Administrator hat die E-Mail-Adresse Ihres Kontos bei <i>{{ project_name }}</i> in <b>{{ new_email }}</b> geändert.</p>
{% endif %}
<p>Zeit: {{ time }}{% if stage != "changed-by-admin" %}<br>IP-Adresse: {{ ip }}<br>Browser: {{ browser }}{% endif %}</p>
{% if url != "" %}<p>Waren Sie das nicht? Dann nehmen Sie die Änderung zurück: Ihre bisherige Adresse gilt wieder, alle Sitzungen werden beendet und Sie erhalten einen Link, um ein neues Passwort zu setzen.</p>
${button('Das war ich nicht')}
<p>Dieser Link gilt 7 Tage und nur einmal.</p>{% else %}<p>Waren Sie das nicht? Wenden Sie sich an die Administration des Projekts.</p>{% endif %}
{% else %}
{% if stage == "requested" %}<h1>A change of your email address was asked for</h1>
<p>Someone asked to change the email address of your account at <i>{{ project_name }}</i> to <b>{{ new_email }}</b>. It takes effect once the new address confirms it.</p>
{% elsif stage == "changed" %}<h1>Your email address was changed</h1>
<p>The email address of your account at <i>{{ project_name }}</i> is now <b>{{ new_email }}</b>.</p>
{% else %}<h1>Your email address was changed</h1>
<p>An administrator changed the email address of your account at <i>{{ project_name }}</i> to <b>{{ new_email }}</b>.</p>
{% endif %}
<p>Time: {{ time }}{% if stage != "changed-by-admin" %}<br>IP address: {{ ip }}<br>Browser: {{ browser }}{% endif %}</p>
{% if url != "" %}<p>Wasn't this you? Take the change back: your old address returns, every session is signed out, and you get a link to set a new password.</p>
${button("This wasn't me")}
<p>The link works once, for 7 days.</p>{% else %}<p>Wasn't this you? Contact the project's administrators.</p>{% endif %}
{% endif %}
{% endblock %}`;

export const EMAIL_CHANGE_TEMPLATES: MailTemplate[] = [
	{ name: CONFIRM_TEMPLATE, source: CONFIRM_LIQUID, subjects: { en: 'Confirm your new email address', de: 'Neue E-Mail-Adresse bestätigen' } },
	{ name: NOTICE_TEMPLATE, source: NOTICE_LIQUID, subjects: { en: 'Your email address is changing', de: 'Ihre E-Mail-Adresse wird geändert' } },
];
