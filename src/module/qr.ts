// A QR code (ISO/IEC 18004) of a short text, as SVG: byte mode, error correction level M,
// versions 1-15 (up to 412 bytes, far more than an otpauth:// URL needs). Small and
// dependency-free because the app has no QR component to lend and the module adds no packages.

/** Per version 1-15 at level M: EC codewords per block, then [block count, data codewords] groups. */
const BLOCKS_M: [number, [number, number][]][] = [
	[10, [[1, 16]]],
	[16, [[1, 28]]],
	[26, [[1, 44]]],
	[18, [[2, 32]]],
	[24, [[2, 43]]],
	[16, [[4, 27]]],
	[18, [[4, 31]]],
	[22, [[2, 38], [2, 39]]],
	[22, [[3, 36], [2, 37]]],
	[26, [[4, 43], [1, 44]]],
	[30, [[1, 50], [4, 51]]],
	[22, [[6, 36], [2, 37]]],
	[22, [[8, 37], [1, 38]]],
	[24, [[4, 40], [5, 41]]],
	[24, [[5, 41], [5, 42]]],
];
const ALIGNMENT: number[][] = [
	[],
	[6, 18],
	[6, 22],
	[6, 26],
	[6, 30],
	[6, 34],
	[6, 22, 38],
	[6, 24, 42],
	[6, 26, 46],
	[6, 28, 50],
	[6, 30, 54],
	[6, 32, 58],
	[6, 34, 62],
	[6, 26, 46, 66],
	[6, 26, 48, 70],
];

const bit = (value: number, i: number) => ((value >>> i) & 1) === 1;

function gfMul(x: number, y: number): number {
	let z = 0;
	for (let i = 7; i >= 0; i--) {
		z = (z << 1) ^ ((z >>> 7) * 0x11d);
		z ^= ((y >>> i) & 1) * x;
	}
	return z;
}

/** Reed-Solomon error correction codewords of `data` (generator with roots 2^0 .. 2^(degree-1)). */
function reedSolomon(data: number[], degree: number): number[] {
	const divisor = new Array<number>(degree).fill(0);
	divisor[degree - 1] = 1;
	let root = 1;
	for (let i = 0; i < degree; i++) {
		for (let j = 0; j < degree; j++) {
			divisor[j] = gfMul(divisor[j]!, root);
			if (j + 1 < degree) divisor[j]! ^= divisor[j + 1]!;
		}
		root = gfMul(root, 2);
	}
	const rest = new Array<number>(degree).fill(0);
	for (const byte of data) {
		const factor = byte ^ rest.shift()!;
		rest.push(0);
		for (let i = 0; i < degree; i++) rest[i]! ^= gfMul(divisor[i]!, factor);
	}
	return rest;
}

const dataCapacity = (version: number) => BLOCKS_M[version - 1]![1].reduce((sum, [count, size]) => sum + count * size, 0);

/** The codewords of `bytes` in `version`: data bits, padding, then blocks interleaved with their EC. */
function codewords(bytes: Uint8Array, version: number): number[] {
	const capacity = dataCapacity(version);
	const bits: number[] = [];
	const put = (value: number, length: number) => {
		for (let i = length - 1; i >= 0; i--) bits.push((value >>> i) & 1);
	};
	put(0b0100, 4);
	put(bytes.length, version < 10 ? 8 : 16);
	for (const byte of bytes) put(byte, 8);
	put(0, Math.min(4, capacity * 8 - bits.length));
	put(0, (8 - (bits.length % 8)) % 8);
	const data: number[] = [];
	for (let i = 0; i < bits.length; i += 8) data.push(bits.slice(i, i + 8).reduce((acc, b) => (acc << 1) | b, 0));
	for (let pad = 0xec; data.length < capacity; pad ^= 0xec ^ 0x11) data.push(pad);

	const [ecLength, groups] = BLOCKS_M[version - 1]!;
	const blocks: number[][] = [];
	let offset = 0;
	for (const [count, size] of groups) {
		for (let i = 0; i < count; i++, offset += size) blocks.push(data.slice(offset, offset + size));
	}
	const out: number[] = [];
	const longest = Math.max(...blocks.map((block) => block.length));
	for (let i = 0; i < longest; i++) for (const block of blocks) if (i < block.length) out.push(block[i]!);
	const ec = blocks.map((block) => reedSolomon(block, ecLength));
	for (let i = 0; i < ecLength; i++) for (const block of ec) out.push(block[i]!);
	return out;
}

const MASKS: ((x: number, y: number) => boolean)[] = [
	(x, y) => (x + y) % 2 === 0,
	(_x, y) => y % 2 === 0,
	(x) => x % 3 === 0,
	(x, y) => (x + y) % 3 === 0,
	(x, y) => (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0,
	(x, y) => ((x * y) % 2) + ((x * y) % 3) === 0,
	(x, y) => (((x * y) % 2) + ((x * y) % 3)) % 2 === 0,
	(x, y) => (((x + y) % 2) + ((x * y) % 3)) % 2 === 0,
];

/** The module matrix (`true` = dark, `[row][column]`) of `text`; `mask` forces a mask pattern (tests). */
export function qrMatrix(text: string, mask?: number): boolean[][] {
	const bytes = new TextEncoder().encode(text);
	let version = 1;
	while (version <= 15 && 4 + (version < 10 ? 8 : 16) + bytes.length * 8 > dataCapacity(version) * 8) version++;
	if (version > 15) throw new Error('Too long for a QR code here');
	const size = version * 4 + 17;
	const modules = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
	const fixed = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
	const set = (x: number, y: number, dark: boolean) => {
		modules[y]![x] = dark;
		fixed[y]![x] = true;
	};

	for (let i = 0; i < size; i++) {
		set(6, i, i % 2 === 0);
		set(i, 6, i % 2 === 0);
	}
	for (const [cx, cy] of [
		[3, 3],
		[size - 4, 3],
		[3, size - 4],
	] as const) {
		for (let dy = -4; dy <= 4; dy++) {
			for (let dx = -4; dx <= 4; dx++) {
				const x = cx + dx;
				const y = cy + dy;
				const distance = Math.max(Math.abs(dx), Math.abs(dy));
				if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, distance !== 2 && distance !== 4);
			}
		}
	}
	const centres = ALIGNMENT[version - 1]!;
	const last = centres.length - 1;
	centres.forEach((cx, i) =>
		centres.forEach((cy, j) => {
			if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) return;
			for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
		}),
	);
	const drawFormat = (maskId: number) => {
		const data = (0b00 << 3) | maskId; // level M
		let rest = data;
		for (let i = 0; i < 10; i++) rest = (rest << 1) ^ ((rest >>> 9) * 0x537);
		const bits = ((data << 10) | rest) ^ 0x5412;
		for (let i = 0; i <= 5; i++) set(8, i, bit(bits, i));
		set(8, 7, bit(bits, 6));
		set(8, 8, bit(bits, 7));
		set(7, 8, bit(bits, 8));
		for (let i = 9; i < 15; i++) set(14 - i, 8, bit(bits, i));
		for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(bits, i));
		for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(bits, i));
		set(8, size - 8, true);
	};
	drawFormat(0); // reserves the format areas before the data goes in
	if (version >= 7) {
		let rest = version;
		for (let i = 0; i < 12; i++) rest = (rest << 1) ^ ((rest >>> 11) * 0x1f25);
		const bits = (version << 12) | rest;
		for (let i = 0; i < 18; i++) {
			const a = size - 11 + (i % 3);
			const b = Math.floor(i / 3);
			set(a, b, bit(bits, i));
			set(b, a, bit(bits, i));
		}
	}

	const stream = codewords(bytes, version);
	let n = 0;
	for (let right = size - 1; right >= 1; right -= 2) {
		if (right === 6) right = 5;
		for (let vertical = 0; vertical < size; vertical++) {
			for (let j = 0; j < 2; j++) {
				const x = right - j;
				const y = ((right + 1) & 2) === 0 ? size - 1 - vertical : vertical;
				if (fixed[y]![x] || n >= stream.length * 8) continue;
				modules[y]![x] = bit(stream[n >>> 3]!, 7 - (n & 7));
				n++;
			}
		}
	}

	const masked = (maskId: number) => {
		const grid = modules.map((row, y) => row.map((dark, x) => (fixed[y]![x] ? dark : dark !== MASKS[maskId]!(x, y))));
		return grid;
	};
	const choose = mask ?? [0, 1, 2, 3, 4, 5, 6, 7].reduce((best, id) => (penalty(masked(id)) < penalty(masked(best)) ? id : best), 0);
	const result = masked(choose);
	modules.splice(0, size, ...result);
	drawFormat(choose);
	return modules;
}

/** The standard's mask penalty (runs, 2x2 blocks, finder look-alikes, dark/light balance); lower is better. */
function penalty(grid: boolean[][]): number {
	const size = grid.length;
	let score = 0;
	const lines = [...grid, ...grid.map((_, x) => grid.map((row) => row[x]!))];
	for (const line of lines) {
		let run = 1;
		for (let i = 1; i <= size; i++) {
			if (i < size && line[i] === line[i - 1]) run++;
			else {
				if (run >= 5) score += run - 2;
				run = 1;
			}
		}
		const text = line.map((dark) => (dark ? '1' : '0')).join('');
		score += 40 * (text.split('10111010000').length - 1 + text.split('00001011101').length - 1);
	}
	for (let y = 0; y < size - 1; y++) {
		for (let x = 0; x < size - 1; x++) {
			const c = grid[y]![x];
			if (c === grid[y]![x + 1] && c === grid[y + 1]![x] && c === grid[y + 1]![x + 1]) score += 3;
		}
	}
	const dark = grid.reduce((sum, row) => sum + row.filter(Boolean).length, 0);
	score += 10 * Math.floor(Math.abs(dark * 20 - size * size * 10) / (size * size));
	return score;
}

/** `text` as a QR code in SVG (a 4-module quiet zone, dark on white). */
export function qrSvg(text: string): string {
	const grid = qrMatrix(text);
	const size = grid.length + 8;
	let path = '';
	grid.forEach((row, y) => row.forEach((dark, x) => (path += dark ? `M${x + 4},${y + 4}h1v1h-1z` : '')));
	return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges" role="img" aria-label="QR code"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}
