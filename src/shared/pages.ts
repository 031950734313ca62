// The pages the extension serves itself (a contested registration's, the sign-in page): their
// script and style are files of ours, under a CSP that allows no inline code; a page is never
// cached nor referred (a link's token may be in its address); the same head for each.
import type { Response } from 'express';
import { escapeHtml } from './util/html.js';

export const PAGE_CSP = [
	"default-src 'none'",
	"script-src 'self'",
	"style-src 'self'",
	"connect-src 'self'",
	"img-src 'self' data:",
	"form-action 'none'",
	"base-uri 'none'",
	"frame-ancestors 'none'",
].join('; ');

/** Where the host's own paths sit: under PUBLIC_URL's path (a Directus behind a proxy at /directus). */
export function pageBase(publicUrl: string): string {
	return new URL(publicUrl, 'http://localhost').pathname.replace(/\/+$/, '');
}

/** A page's `<head>`: its title (escaped here) and its own style and script, `assets` naming both without their extension. */
export function pageHead(title: string, base: string, assets: string): string {
	const path = `${escapeHtml(base)}/user-lifecycle${assets}`;
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${path}.css">
<script src="${path}.js" defer></script>
</head>`;
}

/** A page's answer: never cached nor referred nor framed; `csp` for a page that differs (PAGE_CSP by default). */
export function sendPage(res: Response, html: string, options: { status?: number; csp?: string } = {}): void {
	res.status(options.status ?? 200)
		.set({ 'Content-Security-Policy': options.csp ?? PAGE_CSP, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff', 'X-Frame-Options': 'DENY' })
		.type('html')
		.send(html);
}

/** A page's script or style. */
export function sendAsset(res: Response, asset: { type: string; body: string }): void {
	res.status(200).set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }).type(asset.type).send(asset.body);
}
