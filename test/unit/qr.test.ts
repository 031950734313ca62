// The Security page's QR code (uqr, through src/module/otpauth-qr.ts), read back from the SVG the
// page shows: a version that fits the text at level M, the quiet zone, the three finder patterns,
// and the same drawing each time. (Nothing here decodes the data: no decoder is installed.)
import { describe, expect, it } from 'vitest';
import { encode } from 'uqr';
import { otpauthQrSvg, QR_OPTIONS } from '../../src/module/otpauth-qr.js';

const URL = 'otpauth://totp/Directus:jane%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Directus';
const FINDER = ['#######', '#.....#', '#.###.#', '#.###.#', '#.###.#', '#.....#', '#######'];

/** The modules the SVG draws, as rows of '#' (dark) and '.', from its viewBox and unit squares. */
function drawn(svg: string): string[] {
	const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
	const d = /<path [^>]*d="([^"]*)"/.exec(svg)?.[1] ?? '';
	// Every square must be one module: anything else would not be read back here.
	expect(d).toMatch(/^(M\d+,\d+h1v1h-1z)*$/);
	const rows = Array.from({ length: size }, () => new Array<string>(size).fill('.'));
	for (const [, x, y] of d.matchAll(/M(\d+),(\d+)/g)) rows[Number(y)]![Number(x)] = '#';
	return rows.map((row) => row.join(''));
}

const block = (rows: string[], x: number, y: number, n: number) => rows.slice(y, y + n).map((row) => row.slice(x, x + n));

describe('the Security page QR code', () => {
	// Byte-mode capacities at level M: version 1 holds 14 bytes, 6 holds 106, 10 holds 213 (at level L
	// version 1 would take 17 and the URL would fit version 5): size = 17 + 4 * version + 2 * 4 quiet.
	it.each([
		['a'.repeat(14), 1],
		['a'.repeat(15), 2],
		[URL, 6],
		['x'.repeat(200), 10],
	])('draws %#: version %i, the quiet zone and the finder patterns', (text, version) => {
		const rows = drawn(otpauthQrSvg(text));
		const symbol = 17 + 4 * version;
		expect(rows).toHaveLength(symbol + 8);
		for (const i of [0, 1, 2, 3, symbol + 4, symbol + 5, symbol + 6, symbol + 7]) {
			expect(rows[i]).toBe('.'.repeat(symbol + 8));
			expect(rows.map((row) => row[i]).join('')).toBe('.'.repeat(symbol + 8));
		}
		for (const [x, y] of [[4, 4], [symbol - 3, 4], [4, symbol - 3]] as const) expect(block(rows, x, y, 7)).toEqual(FINDER);
		// No fourth finder: the bottom-right corner is data.
		expect(block(rows, symbol - 3, symbol - 3, 7)).not.toEqual(FINDER);
	});

	it("is the encoder's matrix module for module, the same every time", () => {
		const svg = otpauthQrSvg(URL);
		expect(otpauthQrSvg(URL)).toBe(svg);
		expect(drawn(svg)).toEqual(encode(URL, QR_OPTIONS).data.map((row) => row.map((dark) => (dark ? '#' : '.')).join('')));
		expect(drawn(otpauthQrSvg(URL.replace('jane', 'joan')))).not.toEqual(drawn(svg));
	});

	it('is dark on a white background the size of the drawing', () => {
		expect(otpauthQrSvg(URL)).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 49 49"><rect fill="white" width="49" height="49"\/><path fill="black" d="M/);
	});
});
