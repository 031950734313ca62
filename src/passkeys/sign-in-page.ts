// The extension's sign-in page, `GET /user-lifecycle/sign-in`: the project's name and colour, "Sign
// in with a passkey" (with or without an email) and, when email sign-in links are on, "Email me a
// link"; the link a mail carries opens it too (`?token=`), where one click signs in. Its script is
// a file of ours (dist/sign-in.js, built beside dist/api.js by scripts/build-pages.mjs, with
// @simplewebauthn/browser bundled in) and its style is served by us, under a CSP that allows no
// inline script or style. The host's own sign-in page stays as it is.
import { readFile } from 'node:fs/promises';
import type { Request, Response, Router } from 'express';
import { handle } from '../shared/http.js';
import { pageBase, pageHead, sendAsset, sendPage } from '../shared/pages.js';
import type { Runtime } from '../shared/runtime.js';
import { escapeHtml } from '../shared/util/html.js';
import { pageScriptMissing } from './errors.js';

const DEFAULT_COLOR = '#6644FF';

/** The page's script, read once from beside the built api.js (null when the build step did not run). */
let script: Promise<string | null> | null = null;
const pageScript = (rt: Runtime) =>
	(script ??= readFile(new URL('./sign-in.js', import.meta.url), 'utf8').catch((error) => {
		rt.logger.warn(`[user-lifecycle] the sign-in page's script is missing (${(error as Error)?.message}): run \`npm run build\``);
		script = null;
		return null;
	}));

async function projectLook(rt: Runtime): Promise<{ name: string; color: string }> {
	const row = await rt.knex('directus_settings').select('project_name', 'project_color').first();
	const color = typeof row?.project_color === 'string' && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(row.project_color) ? row.project_color : DEFAULT_COLOR;
	return { name: typeof row?.project_name === 'string' && row.project_name !== '' ? row.project_name : 'Directus', color };
}

export function signInPageRoutes(router: Router, rt: Runtime): void {
	// An email link's token is in the page's address: sendPage keeps it from caches and Referers.
	router.get('/sign-in', handle(async (_req: Request, res: Response) => sendPage(res, page(rt, await projectLook(rt)))));
	router.get('/sign-in.css', handle(async (_req: Request, res: Response) => sendAsset(res, { type: 'css', body: style((await projectLook(rt)).color) })));
	router.get(
		'/sign-in.js',
		handle(async (_req: Request, res: Response) => {
			const body = await pageScript(rt);
			if (body === null) throw pageScriptMissing();
			sendAsset(res, { type: 'text/javascript', body });
		}),
	);
}

function page(rt: Runtime, look: { name: string }): string {
	const base = escapeHtml(pageBase(rt.config.publicUrl));
	const name = escapeHtml(look.name);
	return `${pageHead(`Sign in · ${look.name}`, pageBase(rt.config.publicUrl), '/sign-in')}
<body>
<main id="sign-in" data-base="${base}" data-email-sign-in="${rt.config.emailSignIn ? 'true' : 'false'}">
<header><span class="mark" aria-hidden="true"></span><h1>${name}</h1></header>
<p class="lead">Sign in</p>
<section id="link-sign-in" hidden>
<p>Sign in with the link from your mail.</p>
<button id="link-button" type="button">Sign in</button>
</section>
<section id="form-sign-in">
<label for="email">Email <span class="hint">(optional for a passkey)</span></label>
<input id="email" name="email" type="email" autocomplete="username webauthn" spellcheck="false">
<button id="passkey-button" type="button">Sign in with a passkey</button>
<div id="email-link" hidden>
<button id="email-link-button" type="button" class="secondary">Email me a link</button>
<div id="code-row" hidden>
<label for="code">Code from the mail</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button id="code-button" type="button" class="secondary">Sign in with the code</button>
</div>
</div>
</section>
<div id="otp-row" hidden>
<label for="otp">One-time password</label>
<input id="otp" name="otp" inputmode="numeric" autocomplete="one-time-code">
</div>
<p id="message" role="status" aria-live="polite"></p>
<p class="other"><a id="other-ways" href="${base}/user-lifecycle/sign-in" hidden>Other ways to sign in · </a><a href="${base}/admin/login">Sign in with a password</a></p>
</main>
</body>
</html>
`;
}

function style(color: string): string {
	return `:root { --project-color: ${color}; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #172940; background: #f0f4f9; margin: 0; }
main { max-width: 24rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 2px 12px rgba(23, 41, 64, 0.08); }
header { display: flex; align-items: center; gap: 0.75rem; }
.mark { width: 2.5rem; height: 2.5rem; border-radius: 6px; background: var(--project-color); flex: none; }
h1 { font-size: 1.4rem; margin: 0; }
.lead { font-size: 1.1rem; color: #4f5464; margin: 1rem 0; }
label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
.hint { font-weight: 400; color: #6b7287; }
input { box-sizing: border-box; width: 100%; padding: 0.6rem; font: inherit; border: 1px solid #a2b5cd; border-radius: 4px; }
button { display: block; width: 100%; margin-top: 1rem; padding: 0.7rem 1.2rem; font: inherit; font-weight: 600; color: #fff; background: var(--project-color); border: 1px solid var(--project-color); border-radius: 4px; cursor: pointer; }
button.secondary { color: var(--project-color); background: #fff; }
button:disabled { opacity: 0.6; cursor: default; }
#message { min-height: 1.5em; margin: 1rem 0 0; }
#message.error { color: #e35169; }
#message.info { color: #2e7d59; }
.other { margin-top: 1.5rem; font-size: 0.9rem; }
a { color: var(--project-color); }
`;
}
