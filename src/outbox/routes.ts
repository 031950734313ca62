// Mail administration's routes: the outbox by status, and a retry of one failed mail.
import type { Router } from 'express';
import type { MailRetry } from '../shared/capability.js';
import { flowOptions, handle } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { listOutbox, retryMail } from './flow.js';
import { mailIdParam, outboxQuery } from './schemas.js';

export const mailAdminRoutes = (retries: ReadonlyMap<string, MailRetry>) => (router: Router, rt: Runtime) => {
	router.get('/outbox', handle(async (req) => listOutbox(rt, parseInput(outboxQuery, req.query), flowOptions(req))));
	router.post('/outbox/:id/retry', handle(async (req) => retryMail(rt, retries, parseInput(mailIdParam, req.params).id, flowOptions(req))));
};
