// The host's GraphQL system mutations for the lifecycle flows (`users_register`, `users_invite`,
// `users_me_tfa_enable`, ...) are another door to the same flows. A middleware in front of the
// host's `/graphql/system` answers the mutations a capability serves with its hardened flow, in
// the host's GraphQL answer shape (200 with `data` and `errors`, errors formatted as the host
// formats them); every other request goes on to the host untouched.
import type { NextFunction, Request, Response } from 'express';
import {
	Kind,
	parse,
	valueFromASTUntyped,
	type DocumentNode,
	type FieldNode,
	type FragmentDefinitionNode,
	type OperationDefinitionNode,
	type SelectionSetNode,
} from 'graphql';
import type { GraphqlMutation } from '../shared/graphql.js';
import type { HostRequest } from '../shared/http.js';
import { isDirectusError } from '../shared/util/errors.js';

interface GraphqlError {
	message: string;
	extensions: Record<string, unknown>;
	path?: string[];
}

/** The host serves its system schema on `/graphql/system` and every path under it. */
const ROUTE = /^\/graphql\/system(\/|$)/i;
/** Fragments nested deeper than this at the root of a mutation are refused. */
const MAX_FRAGMENT_DEPTH = 10;

export function graphqlMutations(mutations: ReadonlyMap<string, GraphqlMutation>, log: (error: unknown) => void) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (req.method !== 'POST' || !ROUTE.test(req.path)) return next();
		const body = req.body as { query?: unknown; variables?: unknown; operationName?: unknown } | undefined;
		const fields = typeof body?.query === 'string' ? ourFields(body.query, body.operationName, mutations) : null;
		if (fields === null) return next();
		if (fields === 'mixed') {
			return res.status(400).json({
				errors: [{ message: 'GraphQL validation error.', extensions: { code: 'GRAPHQL_VALIDATION', errors: ['The user lifecycle mutations must be sent on their own, without other fields, directives or deeply nested fragments.'] } }],
			});
		}
		const variables = body?.variables && typeof body.variables === 'object' && !Array.isArray(body.variables) ? (body.variables as Record<string, unknown>) : {};
		run(fields, variables, mutations, req as HostRequest, log).then((answer) => res.status(200).json(answer), next);
	};
}

/**
 * The mutation fields of the request's operation when they are ours; null when none is (the host
 * answers); 'mixed' when ours come with other fields or with directives (refused rather than half
 * served). Unparsable documents are the host's to refuse.
 */
function ourFields(query: string, operationName: unknown, mutations: ReadonlyMap<string, GraphqlMutation>): FieldNode[] | 'mixed' | null {
	let document: DocumentNode;
	try {
		document = parse(query);
	} catch {
		return null;
	}
	const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
	const operation = typeof operationName === 'string' && operationName !== '' ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
	if (!operation || operation.operation !== 'mutation') return null;
	const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
	const fields: FieldNode[] = [];
	let other = false;
	let tooDeep = false;
	const collect = (set: SelectionSetNode, depth: number) => {
		for (const selection of set.selections) {
			// Past this depth we can't say what the document runs: refuse it rather than let it by.
			if (depth > MAX_FRAGMENT_DEPTH) return void (tooDeep = true);
			if (selection.kind === Kind.FIELD) fields.push(selection);
			else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet, depth + 1);
			else {
				const fragment = fragments.get(selection.name.value);
				if (fragment) collect(fragment.selectionSet, depth + 1);
				else other = true;
			}
			if ((selection.directives?.length ?? 0) > 0) other = true;
		}
	};
	collect(operation.selectionSet, 0);
	if (tooDeep) return 'mixed';
	const ours = fields.filter((f) => mutations.has(f.name.value));
	if (ours.length === 0) return null;
	return other || ours.length !== fields.length ? 'mixed' : ours;
}

async function run(fields: FieldNode[], variables: Record<string, unknown>, mutations: ReadonlyMap<string, GraphqlMutation>, req: HostRequest, log: (error: unknown) => void) {
	const data: Record<string, unknown> = {};
	const errors: GraphqlError[] = [];
	// In order, one after the other, as GraphQL runs mutation fields.
	for (const field of fields) {
		const key = field.alias?.value ?? field.name.value;
		const args = Object.fromEntries((field.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, variables)]));
		try {
			const value = await mutations.get(field.name.value)!(args, req);
			data[key] = select(value, field.selectionSet, field.name.value);
		} catch (error) {
			data[key] = null;
			errors.push({ ...formatError(error, req, log), path: [key] });
		}
	}
	return errors.length > 0 ? { data, errors } : { data };
}

/** Picks the selected sub-fields of an object answer (aliases honoured), as GraphQL would. */
function select(value: unknown, set: SelectionSetNode | undefined, typeName: string): unknown {
	if (!set || value === null || typeof value !== 'object') return value;
	const picked: Record<string, unknown> = {};
	for (const selection of set.selections) {
		if (selection.kind !== Kind.FIELD) continue;
		const key = selection.alias?.value ?? selection.name.value;
		picked[key] = selection.name.value === '__typename' ? typeName : ((value as Record<string, unknown>)[selection.name.value] ?? null);
	}
	return picked;
}

/** The host's GraphQL error format: a Directus error keeps its message and code; anything else is hidden from non-admins. */
function formatError(error: unknown, req: HostRequest, log: (error: unknown) => void): GraphqlError {
	if (isDirectusError(error)) return { message: error.message, extensions: { code: error.code, ...(error.extensions ?? {}) } };
	log(error);
	return {
		message: req.accountability?.admin === true ? String((error as Error)?.message ?? error) : 'An unexpected error occurred.',
		extensions: { code: 'INTERNAL_SERVER_ERROR' },
	};
}
