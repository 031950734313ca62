// Redis for the cluster tests (is it there, an empty database index for this run, its keys, its
// flush), through ioredis, the client the host itself uses.
import { Redis } from 'ioredis';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;

/** Runs `work` on database `db` with a client of its own, closed after: a test keeps no socket open. */
async function onDb<T>(db: number, work: (client: Redis) => Promise<T>): Promise<T> {
	// One try, no reconnects and no queueing: a missing Redis fails the call at once.
	const client = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db, lazyConnect: true, connectTimeout: 1500, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
	// The failure reaches the caller through connect(); without a listener ioredis would also log it.
	client.on('error', () => {});
	try {
		await client.connect();
		return await work(client);
	} finally {
		client.disconnect();
	}
}

export async function redisAnswers(): Promise<boolean> {
	return onDb(0, (client) => client.ping()).then(
		(reply) => reply === 'PONG',
		() => false,
	);
}

/**
 * Claims an empty database index (1..15, tried from a random start) for one test run: empty, and
 * marked with a key set only if absent, so two runs never share one. Null when none is free.
 */
export async function freeRedisDb(): Promise<number | null> {
	const start = 1 + Math.floor(Math.random() * 15);
	for (let i = 0; i < 15; i++) {
		const db = 1 + ((start - 1 + i) % 15);
		const claimed = await onDb(db, async (client) => (await client.dbsize()) === 0 && (await client.set('user-lifecycle-test:run', String(process.pid), 'NX')) === 'OK');
		if (claimed) return db;
	}
	return null;
}

/** The key names of database `db` (for a small test database only: KEYS walks them all). */
export async function redisKeys(db: number): Promise<string[]> {
	return onDb(db, (client) => client.keys('*'));
}

/** Deletes every key of database `db` (this run's). */
export async function flushRedisDb(db: number): Promise<void> {
	await onDb(db, (client) => client.flushdb());
}
