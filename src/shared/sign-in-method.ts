// How a sign-in that goes through the host's own login was made, when it was not by the password
// (and code) the host sees: our recovery-code login signs in through the host with a code it made
// itself. The one who signs in that way says so here; whoever listens to the host's `auth.login`
// action reads it there (the host calls its actions inside the login's async context).
import { ScopedStorage } from './util/scoped.js';

/** The ways in a sign-in list names. */
export type SignInMethod = 'password' | 'otp' | 'recovery-code' | 'passkey' | 'email-link' | 'sso';

const methods = new ScopedStorage<SignInMethod>();

/** Runs a host login made by `method`. */
export function signInBy<T>(method: SignInMethod, login: () => Promise<T>): Promise<T> {
	return methods.run(method, login);
}

/** The method a running host login was made by, when its maker said (inside the `auth.login` action). */
export function declaredSignInMethod(): SignInMethod | undefined {
	return methods.getStore();
}
