// The login lock's admin routes: a user id in the path (no query, no body: shared/input), or the
// users of a list in the query.
import { pathId } from '../shared/input.js';

export const userIdParam = pathId('id');
