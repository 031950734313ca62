// The API's answers as the pages read them. The server's view types are written again here, not
// imported: the module shares no code with the API side, types included
// (test/unit/architecture.test.ts).

export interface SessionView {
	id: string;
	expires: string | null;
	ip: string | null;
	user_agent: string | null;
	origin: string | null;
	oauth_client?: string | null;
	current: boolean;
}

export interface AuditEvent {
	id: string;
	user: string;
	actor: string | null;
	event: string;
	from: string | null;
	to: string | null;
	via: string;
	reason: string | null;
	at: string;
}

export interface Mail {
	id: string;
	kind: string;
	recipient: string;
	subject: string;
	status: string;
	attempts: number;
	last_error: string | null;
	created_at: string;
	sent_at: string | null;
	retried_as: string | null;
}

export interface Person {
	id: string;
	email: string | null;
	first_name: string | null;
	last_name: string | null;
	status?: string;
}

export interface LoginLock {
	user?: string;
	locked: boolean;
	locked_until: string | null;
	failures: number;
}
