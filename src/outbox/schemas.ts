// Mail administration's query strings and path parameters.
import { paging, pathId, text, z } from '../shared/input.js';

export const mailIdParam = pathId('id');

export const outboxQuery = z.strictObject({
	status: z.enum(['all', 'failed', 'pending', 'sending', 'sent', 'retried']).default('failed'),
	search: text(254).optional(),
	...paging(500, 100),
});
