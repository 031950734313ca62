// A real SMTP server capturing mail for the tests. It can be stopped and started again on the
// same port, to play "SMTP is down for a while".
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
	to: string[];
	subject: string;
	html: string;
	text: string;
	/** Every `token` query parameter found in the mail's links. */
	tokens: string[];
	links: string[];
	/** The name the sender gave in its EHLO (the host's EMAIL_SMTP_NAME): which instance sent it. */
	helo?: string;
	/** The Message-ID header the sender gave the mail. */
	messageId?: string;
	/** Received while `holdReplies` was on: the server had the mail, the sender never got its answer. */
	held?: boolean;
}

export class Mailbox {
	readonly mails: CapturedMail[] = [];
	private server: SMTPServer | null = null;
	port = 0;
	/** Recipients at this domain are refused for good (550), to play a mail that can't be delivered. */
	rejectDomain = 'reject.example.net';
	/**
	 * When on, each mail is recorded as it arrives but the server's final answer to DATA is held
	 * back (until `releaseHeld` or `stop`): the server has the mail, the sender is still waiting
	 * to hear so. Plays "the sender dies between the server taking the mail and learning it did".
	 */
	holdReplies = false;
	private held: ((error?: Error) => void)[] = [];

	async start(port = this.port): Promise<number> {
		const server = new SMTPServer({
			authOptional: true,
			// Stopping plays "SMTP is down": open connections (the outbox's pooled ones) are told 421
			// and closed within a second, not after the server's 30 s grace.
			closeTimeout: 1000,
			disabledCommands: ['STARTTLS'],
			logger: false,
			onRcptTo: (address, _session, callback) => {
				if (address.address.toLowerCase().endsWith(`@${this.rejectDomain}`)) {
					const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
					error.responseCode = 550;
					return callback(error);
				}
				callback();
			},
			onData: (stream, session, callback) => {
				simpleParser(stream)
					.then((parsed) => {
						const html = typeof parsed.html === 'string' ? parsed.html : '';
						const links = [...html.matchAll(/href=(["'])(.*?)\1/g)].map((m) => m[2]!.replace(/&amp;/g, '&'));
						const tokens = links.flatMap((link) => {
							try {
								const value = new URL(link).searchParams.get('token');
								return value ? [value] : [];
							} catch {
								return [];
							}
						});
						const to = (Array.isArray(parsed.to) ? parsed.to : parsed.to ? [parsed.to] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));
						const hold = this.holdReplies;
						this.mails.push({ to, subject: parsed.subject ?? '', html, text: parsed.text ?? '', tokens: [...new Set(tokens)], links, helo: session.hostNameAppearsAs, messageId: parsed.messageId, ...(hold ? { held: true } : {}) });
						if (hold) this.held.push(callback);
						else callback();
					})
					.catch(callback);
			},
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => resolve());
		});
		this.server = server;
		this.port = (server.server.address() as { port: number }).port;
		return this.port;
	}

	/** Whether the server takes mail now (a test may have stopped it to play an outage). */
	get listening(): boolean {
		return this.server !== null;
	}

	/** Answers every held DATA (with `error`, e.g. a 421, or OK). */
	releaseHeld(error?: Error): void {
		const held = this.held;
		this.held = [];
		for (const callback of held) callback(error);
	}

	async stop(): Promise<void> {
		if (this.held.length > 0) this.releaseHeld(Object.assign(new Error('Server shutting down'), { responseCode: 421 }));
		const server = this.server;
		this.server = null;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	to(address: string): CapturedMail[] {
		return this.mails.filter((mail) => mail.to.some((to) => to.toLowerCase() === address.toLowerCase()));
	}

	/** Waits until `address` has received `count` mails; returns them. */
	async waitFor(address: string, count = 1, timeoutMs = 15_000): Promise<CapturedMail[]> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const mails = this.to(address);
			if (mails.length >= count) return mails;
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} mail(s) to ${address}; got ${mails.length}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}

	/** Waits until `count` mails have arrived in all. */
	async waitForTotal(count: number, timeoutMs = 30_000): Promise<CapturedMail[]> {
		const deadline = Date.now() + timeoutMs;
		while (this.mails.length < count) {
			if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} mails; got ${this.mails.length}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		return this.mails;
	}

	/** The single token of the newest mail to `address`. */
	async tokenFor(address: string, count = 1): Promise<string> {
		const mails = await this.waitFor(address, count);
		const token = mails[count - 1]?.tokens[0];
		if (!token) throw new Error(`mail to ${address} carries no token link`);
		return token;
	}
}
