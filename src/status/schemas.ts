// Account status's request bodies and path parameters.
import { LIFECYCLE_STATUSES } from './transitions.js';
import { commaList, instant, paging, pathId, prose, text, uuid, z } from '../shared/input.js';

export const userIdParam = pathId('id');

/** An ISO 8601 date-time (or epoch milliseconds), as epoch milliseconds. */
const until = () =>
	z
		.unknown()
		.optional()
		.transform((value, ctx) => {
			if (value === undefined || value === null) return undefined;
			let ms = Number.NaN;
			if (typeof value === 'number' && Number.isSafeInteger(value)) ms = value;
			else if (typeof value === 'string' && value.length <= 64 && /^\d{4}-\d{2}-\d{2}T/.test(value)) ms = Date.parse(value);
			if (Number.isFinite(ms)) return ms;
			ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 date-time' });
			return z.NEVER;
		});

export const statusChangeBody = z.strictObject({
	status: z.enum(LIFECYCLE_STATUSES),
	reason: prose().nullable().optional().transform((reason) => reason ?? undefined),
	until: until(),
});

/**
 * The trail's filters: users and actors by id (`actor=system`: no actor), event kinds and paths
 * by name, a time range (`from` inclusive, `to` exclusive); newest first, a page at a time.
 */
export const eventsQuery = z
	.strictObject({
		user: commaList(uuid(), 200).optional(),
		actor: commaList(z.union([uuid(), z.literal('system')]), 200).optional(),
		event: commaList(text(32), 50).optional(),
		via: commaList(text(64), 50).optional(),
		from: instant().optional(),
		to: instant().optional(),
		...paging(1000, 100),
	})
	.transform(({ user, actor, event, via, ...rest }) => ({
		...rest,
		users: user,
		actors: actor?.some((a) => a !== 'system') ? actor.filter((a) => a !== 'system') : undefined,
		systemActor: actor?.includes('system') ?? false,
		events: event,
		via,
	}));
