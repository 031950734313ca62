// A recovery code typed into the OTP field of the host's own sign-in (`POST /auth/login`, the
// Data Studio's login form): a user who lost the phone gets in where they always sign in. A
// request whose `otp` has the recovery-code shape (never a 6-digit TOTP) is served by the
// recovery-code login and answered exactly as the host answers its login, for every mode; any
// other goes on to the host untouched. The same for GraphQL `auth_login`.
import type { Accountability } from '@directus/types';
import type { NextFunction, Request, Response } from 'express';
import { Kind, parse, valueFromASTUntyped, type FieldNode, type OperationDefinitionNode } from 'graphql';
import type { HostRequest } from '../shared/http.js';
import { email, text, z } from '../shared/input.js';
import type { Runtime } from '../shared/runtime.js';
import { loginWithRecoveryCode, type RecoveryLoginInput } from './recovery-login.js';
import { isDirectusError } from '../shared/util/errors.js';
import { normalizeRecoveryCode } from './recovery-codes.js';

/** Answers as the host's POST /auth/login does for each mode (body keys in its order, its cookies). */
export function loginAnswer(rt: Runtime, res: Response, mode: RecoveryLoginInput['mode'], result: { accessToken: string; refreshToken: string; expires: number }) {
	const { refresh, session } = rt.config.loginCookies;
	if (mode === 'json') return { expires: result.expires, refresh_token: result.refreshToken, access_token: result.accessToken };
	if (mode === 'cookie') {
		res.cookie(refresh.name, result.refreshToken, refresh.options);
		return { expires: result.expires, access_token: result.accessToken };
	}
	res.cookie(session.name, result.accessToken, session.options);
	return { expires: result.expires };
}

/** The request's login when its `otp` is a recovery code; undefined otherwise (the host answers). */
function recoveryCodeLogin(body: unknown) {
	const parsed = hostLoginBody.safeParse(body);
	if (!parsed.success || normalizeRecoveryCode(parsed.data.otp) === null) return undefined;
	return parsed.data;
}

// The host's login body (it ignores keys it doesn't know); anything else is the host's to refuse.
const hostLoginBody = z.object({
	email: email(),
	password: text(),
	otp: text(64),
	mode: z.enum(['json', 'cookie', 'session']).default('json'),
});

/** What the host's login puts in its session and activity record: who connects from where, nobody signed in. */
function signInAccountability(req: HostRequest): Accountability {
	const from = req.accountability;
	return { user: null, role: null, roles: [], admin: false, app: false, ip: from?.ip ?? null, userAgent: from?.userAgent, origin: from?.origin } as Accountability;
}

export function recoveryCodeInHostLogin(rt: Runtime) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (rt.config.hostPasswordLoginDisabled) return next();
		const login = recoveryCodeLogin(req.body);
		if (!login) return next();
		const { email: address, password, otp, mode } = login;
		const options = { accountability: signInAccountability(req as HostRequest), schema: (req as HostRequest).schema };
		loginWithRecoveryCode(rt, { email: address, password, recovery_code: otp, mode }, options)
			.then((result) => {
				if (!res.headersSent) res.json({ data: loginAnswer(rt, res, mode, result) });
			})
			.catch(next);
	};
}

/**
 * The GraphQL door (`mutation { auth_login(email, password, otp, mode) { ... } }` on
 * /graphql/system): served the same way when the document is that one field alone, without
 * directives or fragments, and its `otp` is a recovery code; answered in the host's GraphQL shape
 * (200, `data.auth_login` with the selected token fields, or `errors` with the host's code).
 */
export function recoveryCodeInGraphqlLogin(rt: Runtime) {
	return (req: Request, res: Response, next: NextFunction) => {
		if (rt.config.hostPasswordLoginDisabled) return next();
		const field = loneAuthLogin(req.body);
		if (!field) return next();
		const body = req.body as { variables?: unknown };
		const variables = body.variables && typeof body.variables === 'object' && !Array.isArray(body.variables) ? (body.variables as Record<string, unknown>) : {};
		const args = Object.fromEntries((field.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, variables)]));
		const login = recoveryCodeLogin(Object.fromEntries(Object.entries(args).filter(([, value]) => value !== null && value !== undefined)));
		if (!login) return next();
		const key = field.alias?.value ?? field.name.value;
		const options = { accountability: signInAccountability(req as HostRequest), schema: (req as HostRequest).schema };
		loginWithRecoveryCode(rt, { email: login.email, password: login.password, recovery_code: login.otp, mode: login.mode }, options)
			.then((result) => {
				const tokens = loginAnswer(rt, res, login.mode, result) as Record<string, unknown>;
				const picked: Record<string, unknown> = {};
				for (const selection of field.selectionSet?.selections ?? []) {
					if (selection.kind !== Kind.FIELD) continue;
					const name = selection.name.value;
					picked[selection.alias?.value ?? name] = name === '__typename' ? 'auth_tokens' : (tokens[name] ?? null);
				}
				res.status(200).json({ data: { [key]: picked } });
			})
			.catch((error: unknown) => {
				if (!isDirectusError(error)) return next(error);
				res.status(200).json({ data: { [key]: null }, errors: [{ message: error.message, extensions: { code: error.code, ...(error.extensions ?? {}) }, path: [key] }] });
			});
	};
}

/** The document's one mutation field when it is `auth_login` alone (no fragments, no directives). */
function loneAuthLogin(body: unknown): FieldNode | undefined {
	const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
	if (typeof query !== 'string') return undefined;
	let operations: OperationDefinitionNode[];
	try {
		const document = parse(query);
		if (document.definitions.some((d) => d.kind !== Kind.OPERATION_DEFINITION)) return undefined;
		operations = document.definitions as OperationDefinitionNode[];
	} catch {
		return undefined;
	}
	const operation = typeof operationName === 'string' && operationName !== '' ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
	if (!operation || operation.operation !== 'mutation' || (operation.directives?.length ?? 0) > 0) return undefined;
	const [field, ...others] = operation.selectionSet.selections;
	if (!field || others.length > 0 || field.kind !== Kind.FIELD || field.name.value !== 'auth_login' || (field.directives?.length ?? 0) > 0) return undefined;
	return field;
}
