// A few Redis commands for the cluster tests (is Redis there, pick an empty database index for
// this run, count and flush its keys), spoken in RESP over one socket: no client library needed.
import { createConnection, type Socket } from 'node:net';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

type Reply = string | number | null | Reply[];

class RedisConnection {
	private buffer = Buffer.alloc(0);
	private waiting: { resolve: (reply: Reply) => void; reject: (error: Error) => void }[] = [];

	constructor(private readonly socket: Socket) {
		socket.on('data', (chunk) => {
			this.buffer = Buffer.concat([this.buffer, chunk]);
			for (;;) {
				const parsed = parse(this.buffer, 0);
				if (!parsed) return;
				this.buffer = this.buffer.subarray(parsed.end);
				const next = this.waiting.shift();
				if (parsed.reply instanceof Error) next?.reject(parsed.reply);
				else next?.resolve(parsed.reply);
			}
		});
		socket.on('error', (error) => {
			for (const w of this.waiting.splice(0)) w.reject(error);
		});
	}

	command(...args: (string | number)[]): Promise<Reply> {
		const parts = args.map(String);
		const wire = `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
		return new Promise((resolve, reject) => {
			this.waiting.push({ resolve, reject });
			this.socket.write(wire);
		});
	}

	close(): void {
		this.socket.end();
	}
}

function parse(buffer: Buffer, start: number): { reply: Reply | Error; end: number } | null {
	const lineEnd = buffer.indexOf('\r\n', start);
	if (lineEnd < 0) return null;
	const type = String.fromCharCode(buffer[start]!);
	const line = buffer.toString('utf8', start + 1, lineEnd);
	const after = lineEnd + 2;
	if (type === '+') return { reply: line, end: after };
	if (type === '-') return { reply: new Error(line), end: after };
	if (type === ':') return { reply: Number(line), end: after };
	if (type === '$') {
		const length = Number(line);
		if (length < 0) return { reply: null, end: after };
		if (buffer.length < after + length + 2) return null;
		return { reply: buffer.toString('utf8', after, after + length), end: after + length + 2 };
	}
	if (type === '*') {
		const count = Number(line);
		if (count < 0) return { reply: null, end: after };
		const items: Reply[] = [];
		let offset = after;
		for (let i = 0; i < count; i++) {
			const item = parse(buffer, offset);
			if (!item) return null;
			if (item.reply instanceof Error) return { reply: item.reply, end: item.end };
			items.push(item.reply);
			offset = item.end;
		}
		return { reply: items, end: offset };
	}
	return { reply: new Error(`unexpected RESP type ${type}`), end: after };
}

async function connect(timeoutMs = 1500): Promise<RedisConnection> {
	return new Promise((resolve, reject) => {
		const socket = createConnection({ host: REDIS_HOST, port: REDIS_PORT });
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error('redis: connect timed out'));
		}, timeoutMs);
		socket.once('connect', () => {
			clearTimeout(timer);
			resolve(new RedisConnection(socket));
		});
		socket.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

/** Runs `commands` in one connection, on database `db`; returns their replies. */
export async function redis(db: number, ...commands: (string | number)[][]): Promise<Reply[]> {
	const conn = await connect();
	try {
		await conn.command('SELECT', db);
		const replies: Reply[] = [];
		for (const command of commands) replies.push(await conn.command(...command));
		return replies;
	} finally {
		conn.close();
	}
}

export async function redisAnswers(): Promise<boolean> {
	try {
		const conn = await connect();
		try {
			return (await conn.command('PING')) === 'PONG';
		} finally {
			conn.close();
		}
	} catch {
		return false;
	}
}

/**
 * Claims an empty database index (1..15, tried from a random start) for one test run: empty, and
 * marked with a key set only if absent, so two runs never share one. Null when none is free.
 */
export async function freeRedisDb(): Promise<number | null> {
	const start = 1 + Math.floor(Math.random() * 15);
	for (let i = 0; i < 15; i++) {
		const db = 1 + ((start - 1 + i) % 15);
		const [size] = await redis(db, ['DBSIZE']);
		if (size !== 0) continue;
		const [claimed] = await redis(db, ['SET', 'user-lifecycle-test:run', String(process.pid), 'NX']);
		if (claimed === 'OK') return db;
	}
	return null;
}

export async function redisKeyCount(db: number): Promise<number> {
	const [size] = await redis(db, ['DBSIZE']);
	return Number(size);
}

/** The key names of database `db` (for a small test database only: KEYS walks them all). */
export async function redisKeys(db: number): Promise<string[]> {
	const [keys] = await redis(db, ['KEYS', '*']);
	return (keys as string[] | null) ?? [];
}

/** Deletes every key of database `db` (this run's). */
export async function flushRedisDb(db: number): Promise<void> {
	await redis(db, ['FLUSHDB']);
}
