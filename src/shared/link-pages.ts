// The pages a mailed link opens (confirm a new address, take a change back, "this wasn't me"),
// served by the extension itself: opening a link (GET) never spends it — mail scanners fetch
// links — it shows one button, and only the click (a plain HTML form POST to the same path) acts.
// No script at all, so the page's CSP allows none; the token travels in the form's body, never in
// a URL the host logs. The same path takes `{ "token" }` as JSON (204) for a project's own page.
// Pages go to browsers (they ask for text/html); any other client gets the host's error format.
import type { NextFunction, Request, Response, Router } from 'express';
import { handle, type HostRequest } from './http.js';
import { parseInput, token as tokenField, z } from './input.js';
import { stashedQueryToken, stashQueryToken } from './log-redaction.js';
import { sendPage } from './pages.js';
import { escapeHtml } from './util/html.js';
import { InvalidPayloadError, isDirectusError } from './util/errors.js';

/** What one page says, in one language. */
export interface PageCopy {
	title: string;
	/** Above the button. */
	lead: string;
	button: string;
	/** After the click went through. */
	done: string;
}

/** A page's words: English, and the other languages it speaks (primary subtags: `de`). */
export type PageCopies = { en: PageCopy } & Readonly<Record<string, PageCopy>>;

const tokenBody = z.strictObject({ token: tokenField() });

/** The link's token refused or missing, in the page's language. */
const PROBLEM: Readonly<Record<string, { title: string; missing: string }>> = {
	en: { title: 'This link does not work', missing: 'The link is incomplete: open it again from the mail.' },
	de: { title: 'Dieser Link funktioniert nicht', missing: 'Der Link ist unvollständig: Öffnen Sie ihn erneut aus der E-Mail.' },
};

/** The largest form body read (a token and its name). */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Serves `path` on `router`: GET shows the page, a form POST acts and shows the outcome, a JSON
 * POST acts and answers 204 (or the host's error format). `act` gets the token, unchecked beyond
 * its shape: it spends it or throws.
 */
export function serveLinkPage(router: Router, path: string, copies: PageCopies, act: (token: string, req: HostRequest) => Promise<void>): void {
	router.get(path, (req: Request, res: Response, next: NextFunction) => {
		if (!stashedQueryToken(req)) stashQueryToken(req);
		const token = stashedQueryToken(req)?.token;
		const lang = pageLanguage(req, copies);
		if (!token) {
			if (!wantsPage(req)) return next(new InvalidPayloadError({ reason: '"token" is required' }));
			return sendLinkPage(res, 400, lang, PROBLEM[lang]?.title ?? PROBLEM['en']!.title, `<p>${escapeHtml((PROBLEM[lang] ?? PROBLEM['en']!).missing)}</p>`);
		}
		const copy = copies[lang] ?? copies.en;
		// The form posts to this same path, relative, so a PUBLIC_URL below a prefix works too.
		const action = path.split('/').pop()!;
		const body = `<p>${escapeHtml(copy.lead)}</p>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${escapeHtml(copy.button)}</button>
</form>`;
		sendLinkPage(res, 200, lang, copy.title, body);
	});
	const json = handle(async (req) => act(parseInput(tokenBody, req.body).token, req));
	router.post(path, (req: Request, res: Response, next: NextFunction) => {
		if (!req.is('application/x-www-form-urlencoded')) return json(req, res, next);
		const lang = pageLanguage(req, copies);
		const copy = copies[lang] ?? copies.en;
		readForm(req)
			.then(async (form) => {
				await act(parseInput(tokenBody, { token: form.get('token') ?? undefined }).token, req as HostRequest);
				if (!wantsPage(req)) return void res.status(204).end();
				sendLinkPage(res, 200, lang, copy.title, `<p>${escapeHtml(copy.done)}</p>`);
			})
			.catch((error: unknown) => {
				if (!isDirectusError(error) || !wantsPage(req)) return next(error);
				const status = typeof error.status === 'number' ? error.status : 400;
				sendLinkPage(res, status, lang, PROBLEM[lang]?.title ?? PROBLEM['en']!.title, `<p>${escapeHtml(error.message)}</p>`);
			});
	});
}

/** A browser (it asks for HTML before JSON): it gets pages; other clients the host's answers. */
const wantsPage = (req: Request) => req.accepts(['json', 'html']) === 'html';

/** The page's language: the first of the browser's languages the page speaks, else English. */
export function pageLanguage(req: Pick<Request, 'headers'>, copies: PageCopies): string {
	const header = req.headers['accept-language'];
	if (typeof header !== 'string') return 'en';
	for (const part of header.split(',')) {
		const primary = part.split(';')[0]!.trim().toLowerCase().split('-')[0]!;
		if (primary in copies) return primary;
	}
	return 'en';
}

/** The form's fields (the host parses JSON bodies only; this one is read here, at most 16 KiB). */
function readForm(req: Request): Promise<URLSearchParams> {
	return new Promise((resolve, reject) => {
		let size = 0;
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_FORM_BYTES) {
				req.removeAllListeners('data');
				reject(Object.assign(new Error('too large'), { tooLarge: true }));
				return;
			}
			chunks.push(chunk);
		});
		req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
		req.on('error', reject);
	}).catch((error: Error & { tooLarge?: boolean }) => {
		throw error.tooLarge ? new InvalidPayloadError({ reason: 'The form is too large' }) : error;
	}) as Promise<URLSearchParams>;
}

/** No script at all; the one inline style; the form posts to the page's own path. */
const LINK_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function sendLinkPage(res: Response, status: number, lang: string, title: string, body: string): void {
	sendPage(res, `<!DOCTYPE html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; background: #f5f5f5; color: #171717; margin: 0; }
main { max-width: 32rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; }
h1 { font-size: 1.4rem; margin-top: 0; }
button { font-size: 1rem; font-weight: 600; padding: 0.7rem 1.4rem; border-radius: 8px; border: 0; background: #171717; color: #fff; cursor: pointer; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`, { status, csp: LINK_PAGE_CSP });
}
