// Account status's request bodies and path parameters.
import { LIFECYCLE_STATUSES } from './transitions.js';
import { pathId, prose, z } from '../shared/input.js';

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
