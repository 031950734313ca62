// Passkeys as a page (or an app) uses them, with the software authenticator: options, the
// authenticator's answer, verify.
import { expect } from 'vitest';
import { PASSWORD, type ApiResponse, type TestHost } from '../../harness/host.js';
import { SoftAuthenticator } from '../../harness/authenticator.mjs';

export { SoftAuthenticator };
export type Mode = 'json' | 'cookie' | 'session';

/** A caller: an access token (JSON mode), and optionally how it names its session. */
export interface Caller {
	token: string;
	headers?: Record<string, string>;
}

export const as = (caller: Caller | string): { token: string; headers?: Record<string, string> } => (typeof caller === 'string' ? { token: caller } : caller);

/** Options (with `proof`, the password by default), the authenticator's answer, verify: the new passkey's id. */
export async function addPasskey(host: TestHost, caller: Caller | string, authenticator: SoftAuthenticator, proof: Record<string, unknown> = { password: PASSWORD }, name?: string) {
	const options = await host.api('POST', '/user-lifecycle/passkeys/registration/options', proof, as(caller));
	expect(options.status, options.text).toBe(200);
	const { credential, response } = authenticator.register(options.body.data);
	const verified = await host.api('POST', '/user-lifecycle/passkeys/registration/verify', { response, ...(name ? { name } : {}) }, as(caller));
	expect(verified.status, verified.text).toBe(200);
	return { id: verified.body.data.id as string, credential, options: options.body.data };
}

export const signInOptions = (host: TestHost, email?: string) => host.api('POST', '/user-lifecycle/passkeys/sign-in/options', email === undefined ? {} : { email });

export interface SignIn {
	answer: ApiResponse;
	/** The assertion that was sent (to send it again). */
	response: unknown;
	options: any;
}

/** Sign-in options (with `email` or discoverable), the authenticator's assertion (bent by `override`), verify. */
export async function signIn(
	host: TestHost,
	authenticator: SoftAuthenticator,
	{ email, mode = 'json', otp, override = {} }: { email?: string; mode?: Mode; otp?: string; override?: Record<string, unknown> } = {},
): Promise<SignIn> {
	const options = await signInOptions(host, email);
	expect(options.status, options.text).toBe(200);
	const response = authenticator.signIn(options.body.data, override as never);
	const answer = await host.api('POST', '/user-lifecycle/passkeys/sign-in/verify', { response, mode, ...(otp ? { otp } : {}) });
	return { answer, response, options: options.body.data };
}

/** The session cookie's JWT and its session (a session-mode answer). */
export function sessionCookie(answer: ApiResponse): { jwt: string; session: string } {
	const jwt = /directus_session_token=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
	expect(jwt, 'a session cookie').toBeTruthy();
	const claims = JSON.parse(Buffer.from(jwt!.split('.')[1]!, 'base64url').toString('utf8'));
	return { jwt: jwt!, session: claims.session };
}

export function refreshCookie(answer: ApiResponse): string {
	const value = /directus_refresh_token=([^;]+)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
	expect(value, 'a refresh-token cookie').toBeTruthy();
	return value!;
}

export const expectRefused = (answer: ApiResponse, code = 'INVALID_CREDENTIALS') => {
	expect(answer.status, answer.text).toBe(code === 'INVALID_OTP' || code === 'INVALID_CREDENTIALS' ? 401 : answer.status);
	expect(answer.body.errors[0].extensions.code).toBe(code);
	expect(answer.headers.get('set-cookie')).toBeNull();
};
