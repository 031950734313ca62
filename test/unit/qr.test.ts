// The module's QR encoder against a reference encoder's matrix (byte mode, level M, mask 3), and
// the sizes the versions must have. (Checked once against a decoder by hand: every version 1-15
// and mask decodes back to its text.)
import { describe, expect, it } from 'vitest';
import { qrMatrix, qrSvg } from '../../src/module/qr.js';

const REFERENCE = [
		'#######.#####.#######',
		'#.....#.#.###.#.....#',
		'#.###.#....##.#.###.#',
		'#.###.#.#.##..#.###.#',
		'#.###.#..###..#.###.#',
		'#.....#..#.##.#.....#',
		'#######.#.#.#.#######',
		'........#####........',
		'#.##.###...##.#..#.##',
		'#####..#...##.#.#####',
		'##..#####.##.....#.##',
		'#####....#.#.#..##..#',
		'#.#..####.#.#.####.##',
		'........#..#.#..##...',
		'#######.#####.###....',
		'#.....#.#......#.####',
		'#.###.#..##.#..#.##..',
		'#.###.#.##....##...#.',
		'#.###.#.###.###..##..',
		'#.....#....#.###....#',
		'#######.###.#.#####..',
];

const render = (grid: boolean[][]) => grid.map((row) => row.map((dark) => (dark ? '#' : '.')).join(''));

describe('QR code', () => {
	it('matches a reference encoder module for module', () => {
		expect(render(qrMatrix('otpauth://x', 3))).toEqual(REFERENCE);
	});

	it('grows the version with the text and keeps the finder patterns', () => {
		const url = 'otpauth://totp/Directus:jane%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Directus';
		for (const [text, size] of [['a', 21], [url, 41], ['x'.repeat(200), 57], ['a'.repeat(400), 77]] as const) {
			const grid = qrMatrix(text);
			expect(grid).toHaveLength(size);
			for (const [x, y] of [[0, 0], [size - 7, 0], [0, size - 7]] as const) {
				expect(render(grid.slice(y, y + 7).map((row) => row.slice(x, x + 7)))).toEqual(['#######', '#.....#', '#.###.#', '#.###.#', '#.###.#', '#.....#', '#######']);
			}
		}
		expect(() => qrMatrix('a'.repeat(500))).toThrow();
		expect(qrSvg('a')).toMatch(/^<svg [^>]*viewBox="0 0 29 29"/);
	});
});
