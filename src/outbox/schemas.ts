// Mail administration's query strings and path parameters.
import { pathId, z } from '../shared/input.js';

export const mailIdParam = pathId('id');

export const outboxQuery = z.object({
	status: z.enum(['failed', 'pending', 'sending', 'sent', 'retried']).default('failed'),
	limit: z.coerce.number().int().min(1).max(500).default(100),
});
