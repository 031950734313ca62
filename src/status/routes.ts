// Account status's routes: a status change with a reason (and an end for suspensions), and one
// user's audit trail.
import type { Router } from 'express';
import { flowOptions, handle } from '../shared/http.js';
import { parseInput } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { changeStatus, userEvents } from './flow.js';
import { statusChangeBody, userIdParam } from './schemas.js';

export function statusRoutes(router: Router, rt: Runtime): void {
	router.post(
		'/users/:id/status',
		handle(async (req) => {
			const { id } = parseInput(userIdParam, req.params);
			const { status, reason, until } = parseInput(statusChangeBody, req.body);
			return changeStatus(rt, { user: id, status, ...(reason !== undefined ? { reason } : {}), ...(until !== undefined ? { until } : {}) }, flowOptions(req));
		}),
	);
	router.get('/users/:id/events', handle(async (req) => userEvents(rt, parseInput(userIdParam, req.params).id, flowOptions(req))));
}
