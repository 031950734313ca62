// Mail administration: the outbox's failed mails with their error, and "send again" — through
// the capability that queued the mail (each declares its `mailRetry`), so a resend gets a fresh
// link and the old ones die. Made from the other capabilities' retries by the capability list.
import type { Capability, MailRetry } from '../shared/capability.js';
import { mailAdminRoutes } from './routes.js';

export function mailAdmin(retries: ReadonlyMap<string, MailRetry>): Capability {
	return { name: 'mail-admin', routes: mailAdminRoutes(retries) };
}
