// Sessions' path parameters, queries and (absent) bodies.
import { SESSION_ID } from './store.js';
import { pathId, z } from '../shared/input.js';

export const userIdParam = pathId('id');
export const sessionParam = z.object({ session: z.string().regex(SESSION_ID, { error: 'must be a session id' }) });

export const SCOPES = ['others', 'all'] as const;
export type Scope = (typeof SCOPES)[number];

/** `DELETE /sessions`: the scope is required (ending every session by accident is one click too easy). */
export const ownScopeQuery = z.strictObject({ scope: z.enum(SCOPES) });
/** `DELETE /users/:id/sessions`: all of them unless the caller says `others`. */
export const userScopeQuery = z.strictObject({ scope: z.enum(SCOPES).optional() });
