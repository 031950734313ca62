// What the pages the two links open say (English, German by the browser's languages).
import type { PageCopies } from '../shared/link-pages.js';

export const CONFIRM_PAGE: PageCopies = {
	en: {
		title: 'Confirm your new email address',
		lead: 'Confirm that this address is to be the email address of your account. Every other session of the account is signed out.',
		button: 'Confirm the new address',
		done: 'Done: this is now the email address of your account. Sign in with it from now on.',
	},
	de: {
		title: 'Neue E-Mail-Adresse bestätigen',
		lead: 'Bestätigen Sie, dass diese Adresse die E-Mail-Adresse Ihres Kontos werden soll. Alle anderen Sitzungen des Kontos werden beendet.',
		button: 'Neue Adresse bestätigen',
		done: 'Erledigt: Dies ist jetzt die E-Mail-Adresse Ihres Kontos. Melden Sie sich ab jetzt damit an.',
	},
};

export const REVERT_PAGE: PageCopies = {
	en: {
		title: 'Take the email change back',
		lead: 'Your old email address comes back, every session of the account is signed out, and a link to set a new password is mailed to the old address.',
		button: "This wasn't me: take it back",
		done: 'Done: your old address is back and every session is signed out. Check your mail for the link to set a new password.',
	},
	de: {
		title: 'E-Mail-Änderung zurücknehmen',
		lead: 'Ihre bisherige E-Mail-Adresse gilt wieder, alle Sitzungen des Kontos werden beendet, und an die bisherige Adresse geht ein Link, um ein neues Passwort zu setzen.',
		button: 'Das war ich nicht: zurücknehmen',
		done: 'Erledigt: Ihre bisherige Adresse gilt wieder und alle Sitzungen sind beendet. Den Link für ein neues Passwort finden Sie in Ihrem Postfach.',
	},
};
