// The sign-in mail: the extension's own template (the host has none), in English and German by the
// recipient's `language`, with the link and the code of one request. Its data is the common
// template data (src/outbox/mail.ts, every string HTML-escaped) plus `code`. A project replaces it
// with its own `user-lifecycle-sign-in.liquid` in EMAIL_TEMPLATES_PATH, and its subjects with
// USER_LIFECYCLE_MAIL_SUBJECTS.
import type { MailTemplate } from '../shared/mail.js';

export const SIGN_IN_TEMPLATE = 'user-lifecycle-sign-in';
/** The outbox's kind for these mails: not sent again from the outbox (no mailRetry: a link lasts minutes, asking again is one click). */
export const SIGN_IN_MAIL_KIND = 'email-sign-in';

const BUTTON_STYLE =
	'font-size: 16px; font-weight: 600; color: #ffffff; text-decoration: none; display: inline-block; padding: 11px 24px; border-radius: 8px; background: #171717; border: 1px solid #ffffff;';
const CODE_STYLE = 'font-size: 32px; font-weight: 700; letter-spacing: 8px; color: #171717; padding: 10px 0 30px;';

/** One language's words; the link, the code and the names are filled in by Liquid. */
function body(words: { title: string; hello: string; intro: string; button: string; orCode: string; expires: string; notYou: string }): string {
	return `
<h1>${words.title}</h1>
{% if first_name and first_name != "" %}<p>${words.hello} {{ first_name }},</p>{% endif %}
<p style="padding-bottom: 30px">${words.intro}</p>
<a class="button" rel="noopener" target="_blank" href="{{ url }}" style="${BUTTON_STYLE}"><span>${words.button}</span></a>
<p style="padding-top: 30px">${words.orCode}</p>
<p style="${CODE_STYLE}">{{ code }}</p>
<p>${words.expires}</p>
<p>${words.notYou}</p>`;
}

const SOURCE = `{% layout "base" %} {% block content %}
{% assign lang = language | default: "en" | downcase | slice: 0, 2 %}
{% if lang == "de" %}${body({
	title: 'Bei {{ project_name }} anmelden',
	hello: 'Hallo',
	intro: 'Jemand – hoffentlich Sie – möchte sich mit dieser Adresse bei <i>{{ project_name }}</i> anmelden. Ein Klick auf den Knopf öffnet die Anmeldeseite.',
	button: 'Anmelden',
	orCode: 'Oder geben Sie diesen Code auf der Anmeldeseite ein:',
	expires: 'Link und Code gelten 10 Minuten und nur einmal; eine neue Anfrage macht sie ungültig.',
	notYou: 'Waren Sie das nicht? Dann ignorieren Sie diese Nachricht: ohne sie meldet sich niemand an.',
})}{% else %}${body({
	title: 'Sign in to {{ project_name }}',
	hello: 'Hello',
	intro: 'Someone, hopefully you, asked to sign in to <i>{{ project_name }}</i> with this address. The button opens the sign-in page.',
	button: 'Sign in',
	orCode: 'Or enter this code on the sign-in page:',
	expires: 'The link and the code work once, for 10 minutes; asking again makes them stop working.',
	notYou: "Wasn't you? Ignore this mail: nobody signs in without it.",
})}{% endif %}
{% endblock %}
`;

export const SIGN_IN_MAIL: MailTemplate = {
	name: SIGN_IN_TEMPLATE,
	source: SOURCE,
	subjects: { en: 'Your sign-in link', de: 'Ihr Anmeldelink' },
};
