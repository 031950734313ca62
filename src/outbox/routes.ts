// Mail administration's routes: the outbox by status and recipient, one mail, and a retry of one
// failed mail.
import type { Router } from 'express';
import type { MailRetry } from '../shared/capability.js';
import { flowOptions, handle, withMeta } from '../shared/http.js';
import { noQuery, parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { listOutbox, readMail, retryMail } from './flow.js';
import { mailIdParam, outboxQuery } from './schemas.js';

export const mailAdminRoutes = (retries: ReadonlyMap<string, MailRetry>) => (router: Router, rt: Runtime) => {
	router.get(
		'/outbox',
		handle(async (req) => {
			const { mails, count } = await listOutbox(rt, parseInput(outboxQuery, req.query), flowOptions(req));
			return withMeta(mails, { filter_count: count });
		}),
	);
	router.get(
		'/outbox/:id',
		handle(async (req) => {
			parseInput(noQuery, req.query);
			return readMail(rt, parseInput(mailIdParam, req.params).id, flowOptions(req));
		}),
	);
	router.post('/outbox/:id/retry', handle(async (req) => retryMail(rt, retries, parseInput(mailIdParam, req.params).id, flowOptions(req))));
};
