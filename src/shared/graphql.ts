// What a capability needs to serve the host's GraphQL system mutations on its flows: the shape of
// one served field, and the reading of its arguments. The middleware that routes the mutations to
// them is the bundle's (src/bundle/graphql-door.ts).
import type { HostRequest } from './http.js';

/** Serves one mutation field: its arguments (variables resolved) and the request; returns the field's value. */
export type GraphqlMutation = (args: Record<string, unknown>, req: HostRequest) => Promise<unknown>;

/** GraphQL passes null for an optional argument left empty; our schemas take it as absent. */
export function withoutNulls(args: Record<string, unknown>): Record<string, unknown> {
	return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null && value !== undefined));
}
