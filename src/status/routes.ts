// Account status's routes: a status change with a reason (and an end for suspensions), the timed
// suspensions of listed users, one user's audit trail, and the whole trail filtered and paged.
import type { Router } from 'express';
import { flowOptions, handle, withMeta } from '../shared/http.js';
import { parseInput, usersQuery } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { listEvents, userEvents } from './audit-reader.js';
import { changeStatus, suspensionsOf } from './flow.js';
import { eventsQuery, statusChangeBody, userIdParam } from './schemas.js';

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
	router.get(
		'/events',
		handle(async (req) => {
			const { events, count } = await listEvents(rt, parseInput(eventsQuery, req.query), flowOptions(req));
			return withMeta(events, { filter_count: count });
		}),
	);
	router.get('/suspensions', handle(async (req) => suspensionsOf(rt, parseInput(usersQuery, req.query).users, flowOptions(req))));
}
