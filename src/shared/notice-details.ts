// What a security mail says about the request behind it: when, from which IP, in which browser
// (read from the user agent with bowser: MIT, no dependencies, kept up to date; ua-parser-js 2.x is
// AGPL). The user agent is what the client says it is: it names, it proves nothing.
import Bowser from 'bowser';

/** Who made a request, as the host's accountability records it. */
export interface Client {
	ip: string | null;
	user_agent: string | null;
}

/** The client an accountability records (the host's: `ip`, `userAgent`). */
export function clientOfAccountability(accountability: { ip?: string | null; userAgent?: string | null } | null | undefined): Client {
	return { ip: accountability?.ip ?? null, user_agent: accountability?.userAgent ?? null };
}

export interface BrowserFamily {
	/** `Chrome`, `Firefox`, ... ('' when the user agent names none). */
	browser: string;
	/** `Windows`, `macOS`, `Linux`, ... ('' when unknown). */
	os: string;
}

/** The browser family and operating system a user agent names (pure). */
export function browserFamily(userAgent: string | null | undefined): BrowserFamily {
	if (!userAgent) return { browser: '', os: '' };
	try {
		const parser = Bowser.getParser(userAgent);
		return { browser: parser.getBrowserName() ?? '', os: parser.getOSName() ?? '' };
	} catch {
		return { browser: '', os: '' };
	}
}

/** `Firefox 128 on Linux`: the browser, its major version and the system, for people to read (pure). */
export function describeBrowser(userAgent: string | null | undefined): string {
	if (!userAgent) return 'unknown';
	try {
		const parser = Bowser.getParser(userAgent);
		const name = parser.getBrowserName();
		const major = parser.getBrowserVersion()?.split('.')[0];
		const os = parser.getOSName();
		const browser = name ? `${name}${major ? ` ${major}` : ''}` : '';
		if (browser && os) return `${browser} on ${os}`;
		return browser || os || clip(userAgent);
	} catch {
		return clip(userAgent);
	}
}

/** A user agent nobody could read, shortened. */
const clip = (userAgent: string) => (userAgent.length > 80 ? `${userAgent.slice(0, 77)}...` : userAgent);

/** `2026-12-07 09:33 UTC`: one way to write a moment, whatever the reader's language (pure). */
export function mailTime(at: number | Date): string {
	return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The template data every security mail carries: `time`, `ip`, `browser` (the outbox escapes them). */
export function noticeDetails(client: Client, at: number | Date = Date.now()): { time: string; ip: string; browser: string } {
	return { time: mailTime(at), ip: client.ip ?? 'unknown', browser: describeBrowser(client.user_agent) };
}
