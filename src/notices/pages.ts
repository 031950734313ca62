// What the page the "this wasn't me" link opens says (English, German by the browser's languages).
import type { PageCopies } from '../shared/link-pages.js';

export const NOT_ME_PAGE: PageCopies = {
	en: {
		title: "This wasn't me",
		lead: 'Every session of your account is signed out, and a link to set a new password is mailed to your address.',
		button: 'Sign out everywhere and reset my password',
		done: 'Done: every session is signed out. Check your mail for the link to set a new password.',
	},
	de: {
		title: 'Das war ich nicht',
		lead: 'Alle Sitzungen Ihres Kontos werden beendet, und an Ihre Adresse geht ein Link, um ein neues Passwort zu setzen.',
		button: 'Überall abmelden und Passwort zurücksetzen',
		done: 'Erledigt: Alle Sitzungen sind beendet. Den Link für ein neues Passwort finden Sie in Ihrem Postfach.',
	},
};
