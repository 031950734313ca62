// Which of the host's item services is making the write a `users.update` filter sees.
//
// The host's UsersService ends the sessions of users it moves out of `active` itself, right after
// its write commits (`clearUserSessions`); a plain ItemsService on `directus_users` (another
// extension's code) doesn't. Every door of the host (REST, GraphQL, Flows, imports, reverts) writes
// users through UsersService. The filter is told neither, so the guard reads it off the call's
// async stack: V8 names a method frame after its receiver's class, and the host's dist keeps its
// class names. The nearest `updateMany` frame is the service whose write this is (an inner write
// made from another's hook comes first). When the stack doesn't say, the guard ends the sessions
// itself: the answer can only spare it a statement, never skip an ending.

const SERVICE_FRAME = /^\s*at (?:async )?([\w$]+)\.updateMany \(/;

/** The class of the nearest service making an `updateMany` in `stack`, or null. */
export function writingServiceIn(stack: string): string | null {
	for (const line of stack.split('\n')) {
		const match = SERVICE_FRAME.exec(line);
		if (match) return match[1]!;
	}
	return null;
}

/**
 * Whether the write being filtered now is made by the host's UsersService. Also right after the
 * filter's own awaits: V8's async stack keeps the callers awaiting it (checked in the host).
 */
export function writtenByUsersService(): boolean {
	const limit = Error.stackTraceLimit;
	Error.stackTraceLimit = 40;
	const holder: { stack?: string } = {};
	try {
		Error.captureStackTrace(holder, writtenByUsersService);
	} finally {
		Error.stackTraceLimit = limit;
	}
	return writingServiceIn(holder.stack ?? '') === 'UsersService';
}
