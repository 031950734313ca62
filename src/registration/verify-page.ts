// The page a contested registration's link opens in a browser: whoever holds the mailbox chooses
// the password there, since no registrant's password is activated by a click. It is the answer to
// the link itself (the host's `/users/register/verify-email`, or ours), not a redirect: the token
// stays in the address bar and never reaches a Location header, which the host's raw log prints.
// Its script and style are files of ours under a CSP that allows no inline code; the script posts
// `{ token, password }` to `/user-lifecycle/register/verify-email`.
import type { Request, Response } from 'express';
import { pageBase, pageHead, sendPage } from '../shared/pages.js';
import { escapeHtml } from '../shared/util/html.js';

/** Where the page's script and style are served, under /user-lifecycle. */
const ASSETS = '/register/choose-password';

const SCRIPT = `'use strict';
(function () {
	var form = document.getElementById('choose-password');
	var message = document.getElementById('message');
	var button = form.querySelector('button');
	var token = new URLSearchParams(window.location.search).get('token') || '';
	var known = {
		INVALID_TOKEN: 'This link is no longer valid: it was used, or a newer one was sent. Use the newest mail.',
		TOKEN_EXPIRED: 'This link has expired. Register again or ask for a new verification mail.',
	};
	function fail(text) {
		message.textContent = text;
		button.disabled = false;
	}
	form.addEventListener('submit', function (event) {
		event.preventDefault();
		var password = form.elements.password.value;
		if (password !== form.elements.confirm.value) return fail('The two passwords are not the same.');
		button.disabled = true;
		message.textContent = '';
		fetch(form.dataset.verify, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ token: token, password: password }),
			credentials: 'omit',
		}).then(function (res) {
			if (res.ok) {
				form.hidden = true;
				document.getElementById('done').hidden = false;
				return;
			}
			return res.json().then(function (body) {
				var error = body && body.errors && body.errors[0];
				var code = error && error.extensions && error.extensions.code;
				fail(known[code] || (error && error.message) || 'The password could not be set.');
			});
		}).catch(function () {
			fail('The server could not be reached. Try again.');
		});
	});
})();
`;

const STYLE = `body { font: 16px/1.5 system-ui, sans-serif; color: #172940; background: #f0f4f9; margin: 0; }
main { max-width: 26rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: 0.6rem; font: inherit; border: 1px solid #a2b5cd; border-radius: 4px; }
button { margin-top: 1.5rem; padding: 0.6rem 1.2rem; font: inherit; color: #fff; background: #6644ff; border: 0; border-radius: 4px; cursor: pointer; }
button:disabled { opacity: 0.6; }
#message { color: #e35169; min-height: 1.5em; }
`;

/** The page's script and style: `GET /user-lifecycle/register/choose-password.js|.css`. */
export const choosePasswordAssets = {
	[`${ASSETS}.js`]: { type: 'text/javascript', body: SCRIPT },
	[`${ASSETS}.css`]: { type: 'text/css', body: STYLE },
};

/** A browser following the link (it asks for HTML before JSON), not an API client or the SDK. */
export function wantsPage(req: Request): boolean {
	return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/** The page, for a link whose registration is contested; the token stays unspent until the form is sent. */
export function sendChoosePasswordPage(res: Response, publicUrl: string): void {
	sendPage(res, page(pageBase(publicUrl)));
}

function page(rawBase: string): string {
	const base = escapeHtml(rawBase);
	return `${pageHead('Choose your password', rawBase, ASSETS)}
<body>
<main>
<h1>Choose your password</h1>
<form id="choose-password" data-verify="${base}/user-lifecycle/register/verify-email">
<p>This address was registered more than once before it was verified, so no password typed at a registration is used. Choose the password of your account: it is set when your address is verified here.</p>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required>
<label for="confirm">The same password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required>
<button type="submit">Verify my address</button>
<p id="message" role="alert"></p>
</form>
<section id="done" hidden>
<p>Your address is verified and your password is set.</p>
<p><a id="sign-in" href="${base}/admin/login">Sign in</a></p>
</section>
</main>
</body>
</html>
`;
}
