// The API's answers as the pages read them: the server's own view types where it has one (type
// imports only, so none of the server's code comes into the browser's bundle).
import type { LoginLockView } from '../login-lock/lock';

export type { SessionView } from '../sessions/flow';
export type { AuditEventView as AuditEvent } from '../status/audit-reader';
export type { OutboxMailView as Mail } from '../outbox/flow';

export interface Person {
	id: string;
	email: string | null;
	first_name: string | null;
	last_name: string | null;
	status?: string;
}

/** A lock as the admin routes show it; in a list of several users' locks, with its user. */
export interface LoginLock extends LoginLockView {
	user?: string;
}
