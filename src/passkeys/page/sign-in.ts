// The sign-in page's script (runs in the browser; bundled with @simplewebauthn/browser into
// dist/sign-in.js by scripts/build-pages.mjs, served by the endpoint as a file of its own: the
// page's CSP allows no inline script). It signs in with a passkey (with or without an email) or,
// when the project turned them on, with an email link or its code; always in the host's `session`
// mode, then on to the Data Studio. Opening an email link only shows a button: a GET never spends
// the link (mail scanners fetch links), the click POSTs it.
import { browserSupportsWebAuthn, startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';

interface Answer {
	ok: boolean;
	data?: unknown;
	code?: string;
	message?: string;
}

const root = document.getElementById('sign-in') as HTMLElement;
const base = root.dataset['base'] ?? '';
const emailSignIn = root.dataset['emailSignIn'] === 'true';
const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const message = element<HTMLParagraphElement>('message');
const emailInput = element<HTMLInputElement>('email');
const otpRow = element<HTMLDivElement>('otp-row');
const otpInput = element<HTMLInputElement>('otp');
const passkeyButton = element<HTMLButtonElement>('passkey-button');
const linkSection = element<HTMLElement>('link-sign-in');
const formSection = element<HTMLElement>('form-sign-in');
const emailLink = element<HTMLElement>('email-link');
const codeRow = element<HTMLDivElement>('code-row');
const codeInput = element<HTMLInputElement>('code');

// The email link's token, taken out of the address bar (and so out of the history) at once.
const webauthn = browserSupportsWebAuthn();
const params = new URLSearchParams(window.location.search);
const token = params.get('token');
if (token !== null) window.history.replaceState(null, '', window.location.pathname);

const KNOWN: Record<string, string> = {
	INVALID_CREDENTIALS: "That didn't sign you in. Try again, or use another way to sign in.",
	INVALID_TOKEN: 'This link is no longer valid: it was used, or a newer one was sent. Ask for a new one.',
	TOKEN_EXPIRED: 'This link has expired. Ask for a new one.',
	REQUESTS_EXCEEDED: 'Too many attempts. Wait a little, then try again.',
	SERVICE_UNAVAILABLE: 'Sign-in is not available right now.',
};

function say(text: string, kind: 'info' | 'error' = 'error'): void {
	message.textContent = text;
	message.className = kind;
}

function busy(on: boolean): void {
	for (const button of Array.from(document.querySelectorAll('button'))) button.disabled = on || (button === passkeyButton && !webauthn);
}

async function post(path: string, body: Record<string, unknown>): Promise<Answer> {
	let res: Response;
	try {
		res = await fetch(`${base}/user-lifecycle${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
			credentials: 'same-origin',
		});
	} catch {
		return { ok: false, message: 'The server could not be reached. Try again.' };
	}
	const json = (await res.json().catch(() => null)) as { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] } | null;
	if (res.ok) return { ok: true, data: json?.data };
	const error = json?.errors?.[0];
	return { ok: false, code: error?.extensions?.code, message: error?.message };
}

/** The OTP to send along, when the field is shown and filled. */
function otp(): { otp?: string } {
	const value = otpInput.value.trim();
	return !otpRow.hidden && value !== '' ? { otp: value } : {};
}

/** Signed in: the host's session cookie is set; the Data Studio takes it from here. */
function signedIn(): void {
	say('Signed in. Opening the Data Studio…', 'info');
	window.location.assign(`${base}/admin`);
}

/** A refusal: the OTP field when two-factor asks for it, otherwise what went wrong. */
function refused(answer: Answer, again: string): void {
	busy(false);
	if (answer.code === 'INVALID_OTP') {
		const asked = otpRow.hidden;
		otpRow.hidden = false;
		otpInput.focus();
		say(asked ? `Your account uses two-factor authentication: type the code from your app, then ${again}.` : `That code is not right. Type the current one, then ${again}.`);
		return;
	}
	say((answer.code && KNOWN[answer.code]) || answer.message || 'Something went wrong. Try again.');
}

async function passkeySignIn(): Promise<void> {
	busy(true);
	say('');
	const email = emailInput.value.trim();
	const options = await post('/passkeys/sign-in/options', email ? { email } : {});
	if (!options.ok) return refused(options, 'use your passkey again');
	let response;
	try {
		response = await startAuthentication({ optionsJSON: options.data as PublicKeyCredentialRequestOptionsJSON });
	} catch (error) {
		busy(false);
		const name = (error as Error)?.name;
		return say(name === 'NotAllowedError' ? 'No passkey was used (cancelled, timed out, or none for this site).' : `Your browser could not use a passkey: ${(error as Error)?.message ?? name}`);
	}
	const answer = await post('/passkeys/sign-in/verify', { response, mode: 'session', ...otp() });
	if (answer.ok) return signedIn();
	refused(answer, 'use your passkey again');
}

async function requestLink(): Promise<void> {
	const email = emailInput.value.trim();
	if (!email || !emailInput.checkValidity()) {
		emailInput.focus();
		return say('Type your email address first.');
	}
	busy(true);
	say('');
	const answer = await post('/email-sign-in/request', { email });
	busy(false);
	if (!answer.ok) return refused(answer, 'ask again');
	codeRow.hidden = false;
	say('If an account uses this address, a mail with a sign-in link and a code is on its way. Open the link, or type the code here.', 'info');
}

async function codeSignIn(): Promise<void> {
	busy(true);
	say('');
	const answer = await post('/email-sign-in/verify', { email: emailInput.value.trim(), code: codeInput.value.trim(), mode: 'session', ...otp() });
	if (answer.ok) return signedIn();
	refused(answer, 'sign in again');
}

async function linkSignIn(): Promise<void> {
	busy(true);
	say('');
	const answer = await post('/email-sign-in/verify', { token, mode: 'session', ...otp() });
	if (answer.ok) return signedIn();
	refused(answer, 'press "Sign in" again');
}

if (token !== null && emailSignIn) {
	// The email link: one click signs in (and an OTP, where two-factor asks for it).
	const linkButton = element<HTMLButtonElement>('link-button');
	linkSection.hidden = false;
	formSection.hidden = true;
	element<HTMLAnchorElement>('other-ways').hidden = false;
	// The one-time password, when asked for, goes above the button it is sent with.
	linkSection.insertBefore(otpRow, linkButton);
	linkButton.addEventListener('click', () => void linkSignIn());
} else {
	if (!webauthn) {
		busy(false);
		say('This browser can’t use passkeys.', 'info');
	}
	formSection.insertBefore(otpRow, passkeyButton);
	passkeyButton.addEventListener('click', () => void passkeySignIn());
	if (emailSignIn) {
		emailLink.hidden = false;
		element<HTMLButtonElement>('email-link-button').addEventListener('click', () => void requestLink());
		element<HTMLButtonElement>('code-button').addEventListener('click', () => void codeSignIn());
	}
}
