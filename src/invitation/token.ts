// Invite tokens: link tokens (src/shared/link-tokens.ts) with scope "invite", which the Data
// Studio's accept-invite page decodes to show the email.
import { readLinkToken, signLinkToken } from '../shared/link-tokens.js';
import type { Runtime } from '../shared/runtime.js';

const INVITE_SCOPE = 'invite';

export function signInvite(rt: Pick<Runtime, 'key'>, email: string, jti: string, expiresInSeconds: number): string {
	return signLinkToken(rt.key('tokens'), INVITE_SCOPE, email, jti, expiresInSeconds);
}

export function readInviteToken(rt: Pick<Runtime, 'key'>, token: string): { jti: string; email: string } {
	return readLinkToken(rt.key('tokens'), INVITE_SCOPE, token);
}
