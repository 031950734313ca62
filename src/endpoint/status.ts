import type { Router } from 'express';
import { InvalidPayloadError } from '../errors.js';
import { changeStatus, userEvents, type StatusChange } from '../flows/status.js';
import { isLifecycleStatus } from '../policy/transitions.js';
import type { Runtime } from '../runtime.js';
import { bodyOf, onlyKeys, optionalText, text, uuid, type Body } from './input.js';
import { flowOptions, handle } from './respond.js';

export function parseStatusChange(userId: unknown, raw: unknown): StatusChange {
	const body = bodyOf(raw);
	onlyKeys(body, ['status', 'reason', 'until']);
	const status = text(body, 'status', { max: 32 });
	if (!isLifecycleStatus(status)) throw new InvalidPayloadError({ reason: `"status" must be one of draft, invited, unverified, active, suspended, archived` });
	const reason = optionalText(body, 'reason', { nullable: true });
	return { user: uuid(userId, 'id'), status, ...(reason !== undefined ? { reason } : {}), ...until(body) };
}

/** An ISO 8601 date-time (or epoch milliseconds) as epoch milliseconds. */
function until(body: Body): { until?: number } {
	const value = body['until'];
	if (value === undefined || value === null) return {};
	let ms: number;
	if (typeof value === 'number' && Number.isSafeInteger(value)) ms = value;
	else if (typeof value === 'string' && value.length <= 64 && /^\d{4}-\d{2}-\d{2}T/.test(value)) ms = Date.parse(value);
	else ms = Number.NaN;
	if (!Number.isFinite(ms)) throw new InvalidPayloadError({ reason: '"until" must be an ISO 8601 date-time' });
	return { until: ms };
}

export function registerStatusRoutes(router: Router, rt: Runtime): void {
	router.post(
		'/users/:id/status',
		handle(async (req) => changeStatus(rt, parseStatusChange(req.params['id'], req.body), flowOptions(req))),
	);
	router.get(
		'/users/:id/events',
		handle(async (req) => userEvents(rt, uuid(req.params['id'], 'id'), flowOptions(req))),
	);
}
