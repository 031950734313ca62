// Reset tokens: link tokens (src/shared/link-tokens.ts) with scope "password-reset", which the
// Data Studio's reset page decodes to show the email.
import { readLinkToken, signLinkToken } from '../shared/link-tokens.js';
import type { Runtime } from '../shared/runtime.js';

export const RESET_SCOPE = 'password-reset';

export function signResetToken(rt: Pick<Runtime, 'key'>, email: string, jti: string, expiresInSeconds: number): string {
	return signLinkToken(rt.key('tokens'), RESET_SCOPE, email, jti, expiresInSeconds);
}

export function readResetToken(rt: Pick<Runtime, 'key'>, token: string): { jti: string; email: string } {
	return readLinkToken(rt.key('tokens'), RESET_SCOPE, token);
}
