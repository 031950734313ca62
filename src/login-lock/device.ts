// Device cookies (OWASP's answer to lock-outs): a browser or app that signed in with the right
// password gets `user_lifecycle_device`, a value bound to that user and signed with a key from
// SECRET. While the user's logins are locked, a login that brings a valid one for that user is
// judged by that device's own wrong passwords (the same limit and window), not by the lock: an
// attacker who knows only the address locks out everyone but the owner's own devices.
// A client that keeps no cookies (JSON mode on a server) reads the value from the answer's
// Set-Cookie and sends it back in the `X-User-Lifecycle-Device` request header. It is never an
// answer header of its own: the host's request log prints answer headers, Set-Cookie redacted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Runtime } from '../shared/runtime.js';
import { generateToken } from '../shared/util/crypto.js';
import { ScopedStorage } from '../shared/util/scoped.js';

export const DEVICE_COOKIE = 'user_lifecycle_device';
export const DEVICE_HEADER = 'x-user-lifecycle-device';
const YEAR_MS = 365 * 24 * 3_600_000;

/** The login request under way: the device value it brought, and its answer (to give a device one). */
interface LoginRequest {
	presented: string | null;
	/** The value to hand out with the answer, once a right password earned one. */
	handOut: string | null;
	/** Run once the answer is out (or the client gone). */
	atEnd: (() => void)[];
	secure: boolean;
}

const loginRequests = new ScopedStorage<LoginRequest>();

/** Requests that may sign in with a password: the host's logins, our recovery-code login, GraphQL `auth_login`. */
function isLoginRequest(req: Request): boolean {
	if (req.method !== 'POST') return false;
	const path = req.path.toLowerCase();
	if (path === '/auth/login' || path.startsWith('/auth/login/') || path === '/user-lifecycle/login' || path === '/user-lifecycle/login/') return true;
	const query = (req.body as { query?: unknown } | undefined)?.query;
	return path.startsWith('/graphql') && typeof query === 'string' && query.includes('auth_login');
}

const stashedHeaders = new WeakMap<object, string>();

/**
 * Before the host's request logger (init `app.before`): the device header leaves the request's
 * headers, which the log prints, for a private stash.
 */
export function stashDeviceHeader(req: Request, _res: Response, next: NextFunction): void {
	const value = req.headers[DEVICE_HEADER];
	if (value !== undefined) {
		delete req.headers[DEVICE_HEADER];
		if (typeof value === 'string') stashedHeaders.set(req, value);
	}
	next();
}

/** In front of the routers: a login request runs in a scope its `auth.login` hooks can read. */
export function loginRequestScope(rt: Runtime) {
	const httpsPublicUrl = rt.config.publicUrl.startsWith('https:');
	return (req: Request, res: Response, next: NextFunction) => {
		if (!isLoginRequest(req)) return next();
		const header = stashedHeaders.get(req) ?? req.headers[DEVICE_HEADER];
		const cookie = (req as Request & { cookies?: Record<string, unknown> }).cookies?.[DEVICE_COOKIE];
		const presented = typeof header === 'string' ? header : typeof cookie === 'string' ? cookie : null;
		const request: LoginRequest = { presented, handOut: null, atEnd: [], secure: req.secure || httpsPublicUrl };
		// Added as the answer's headers go out, after the host's own cookies.
		const writeHead = res.writeHead;
		res.writeHead = function (this: Response, ...args: unknown[]) {
			if (request.handOut && !res.headersSent) {
				res.cookie(DEVICE_COOKIE, request.handOut, { httpOnly: true, sameSite: 'lax', secure: request.secure, maxAge: YEAR_MS, path: '/' });
			}
			return (writeHead as (...a: unknown[]) => Response).apply(this, args);
		} as Response['writeHead'];
		void loginRequests
			.run(request, () => new Promise<void>((done) => {
				res.once('finish', done);
				res.once('close', done);
				next();
			}))
			.then(() => request.atEnd.splice(0).forEach((work) => work()));
	};
}

/** Runs `work` once the login request under way has answered; false when no login request is under way. */
export function atLoginRequestEnd(work: () => void): boolean {
	const request = loginRequests.getStore();
	if (!request) return false;
	request.atEnd.push(work);
	return true;
}

/** Runs now what waits for the login request's end (its error answer is about to go out). */
export function endLoginRequestNow(): void {
	loginRequests.getStore()?.atEnd.splice(0).forEach((work) => work());
}

function mac(rt: Runtime, userId: string, deviceId: string): Buffer {
	return createHmac('sha256', rt.key('device-cookie')).update(`${userId}.${deviceId}`).digest();
}

/** The device id this login request brought for `userId`, when its value is ours and bound to that user. */
export function presentedDevice(rt: Runtime, userId: string): string | null {
	const value = loginRequests.getStore()?.presented;
	if (!value || value.length > 200) return null;
	const [deviceId, signature] = value.split('.');
	if (!deviceId || !signature) return null;
	const given = Buffer.from(signature, 'base64url');
	const expected = mac(rt, userId, deviceId);
	return given.length === expected.length && timingSafeEqual(given, expected) ? deviceId : null;
}

/**
 * A right password on this request: its device (kept, or a new one) is remembered for a year,
 * handed out with the answer. Called while the host still builds the answer (its `auth.login`
 * action runs before it answers).
 */
export function rememberDevice(rt: Runtime, userId: string): void {
	const request = loginRequests.getStore();
	if (!request) return;
	const deviceId = presentedDevice(rt, userId) ?? generateToken(16);
	request.handOut = `${deviceId}.${mac(rt, userId, deviceId).toString('base64url')}`;
}
