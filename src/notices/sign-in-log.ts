// Sign-ins as they happen, kept cheap: every login passes here, and a login must stay within 5% of
// the bare host's. A device this process noted for a user within the hour is known without a
// statement (its `last_seen_at` may lag an hour behind; what counts is 90 days); sign-ins are
// written in batches a moment after they happen (a crash may lose that moment's: they are a list
// to look at, not a record anything depends on).
import type { Knex } from 'knex';
import type { Runtime } from '../shared/runtime.js';
import { noteDevice, recordSignIns, type SignIn } from './store.js';

/** How long a device noted here is taken as known without asking the database. */
const NOTED_FOR_MS = 3600_000;
/** Devices remembered at most (the oldest go first). */
const MAX_NOTED = 10_000;
/** How long a sign-in waits for others to be written with. */
const FLUSH_AFTER_MS = 200;

export class SignInLog {
	private readonly noted = new Map<string, number>();
	private queue: SignIn[] = [];
	private flushing: Promise<void> | null = null;
	private timer: NodeJS.Timeout | null = null;

	constructor(
		private readonly knex: Knex,
		private readonly logger: Pick<Runtime['logger'], 'error'>,
	) {}

	/** Whether `device` is new for the user (see noteDevice), asking the database only when this process hasn't noted it lately. */
	async device(userId: string, device: string, at: number): Promise<'known' | 'new' | 'first'> {
		const key = `${userId}|${device}`;
		const noted = this.noted.get(key);
		if (noted !== undefined && at - noted < NOTED_FOR_MS) return 'known';
		const seen = await noteDevice(this.knex, userId, device, at);
		this.noted.delete(key);
		this.noted.set(key, at);
		if (this.noted.size > MAX_NOTED) this.noted.delete(this.noted.keys().next().value!);
		return seen;
	}

	/** Queues a sign-in; it is written within a moment. */
	record(signIn: SignIn): void {
		this.queue.push(signIn);
		this.timer ??= setTimeout(() => {
			this.timer = null;
			void this.flush();
		}, FLUSH_AFTER_MS);
		this.timer.unref?.();
	}

	/** Writes what is queued (and waits for a write under way): the list reads after it. */
	async flush(): Promise<void> {
		while (this.flushing) await this.flushing;
		const batch = this.queue.splice(0);
		if (batch.length === 0) return;
		this.flushing = recordSignIns(this.knex, batch)
			.catch((error) => this.logger.error(error, `[user-lifecycle] could not record ${batch.length} sign-in(s)`))
			.finally(() => (this.flushing = null));
		await this.flushing;
	}
}

const logs = new WeakMap<object, SignInLog>();

/** The process's sign-in log (the endpoint and the hook share the runtime, so one). */
export function signInLog(rt: Pick<Runtime, 'knex' | 'logger'>): SignInLog {
	let log = logs.get(rt);
	if (!log) logs.set(rt, (log = new SignInLog(rt.knex, rt.logger)));
	return log;
}
