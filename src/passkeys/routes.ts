// Passkeys' routes: the signed-in user's own (`/passkeys`: add behind a fresh proof, list, rename,
// remove behind a fresh proof), one user's for whoever may manage that user (`/users/:id/passkeys`;
// nobody removes their own there, where no proof is asked), the public sign-in (rate-limited per
// IP) and the sign-in page.
import type { Router } from 'express';
import { clientOf, doorOf, handle, requireUser } from '../shared/http.js';
import { noBody, parseInput } from '../shared/input.js';
import { managedUser } from '../shared/may-write.js';
import { perIpRateLimit } from '../shared/rate-limit.js';
import type { Runtime } from '../shared/runtime.js';
import { listPasskeys, removePasskey, renameOwnPasskey } from './manage.js';
import { assertFreshProof } from './proof.js';
import { finishRegistration, startRegistration } from './registration.js';
import { optionalProofBody, passkeyParam, registrationBody, renameBody, signInBody, signInOptionsBody, userPasskeyParams } from './schemas.js';
import { signInPageRoutes } from './sign-in-page.js';
import { passkeySignInOptions, signInWithPasskey } from './sign-in.js';

export function passkeysRoutes(router: Router, rt: Runtime): void {
	const signInLimit = perIpRateLimit(rt.knex, 'passkey-sign-in', rt.config.passkeyRateLimit);

	router.post(
		'/passkeys/registration/options',
		handle(async (req) => startRegistration(rt, req, requireUser(req), parseInput(optionalProofBody, req.body))),
	);
	router.post(
		'/passkeys/registration/verify',
		handle(async (req) => finishRegistration(rt, requireUser(req), parseInput(registrationBody, req.body), doorOf(req), clientOf(req))),
	);
	router.get('/passkeys', handle(async (req) => listPasskeys(rt, requireUser(req))));
	router.patch(
		'/passkeys/:id',
		handle(async (req) => {
			const user = requireUser(req);
			const { id } = parseInput(passkeyParam, req.params);
			return renameOwnPasskey(rt, user, id, parseInput(renameBody, req.body).name);
		}),
	);
	router.delete(
		'/passkeys/:id',
		handle(async (req) => {
			const user = requireUser(req);
			const { id } = parseInput(passkeyParam, req.params);
			await assertFreshProof(rt, req, user, parseInput(optionalProofBody, req.body));
			await removePasskey(rt, { user, actor: user }, id, doorOf(req), clientOf(req));
		}),
	);

	router.get('/users/:id/passkeys', handle(async (req) => listPasskeys(rt, (await managedUser(rt, req, { self: true })).user)));
	router.delete(
		'/users/:id/passkeys/:passkey',
		handle(async (req) => {
			const { passkey } = parseInput(userPasskeyParams, req.params);
			const target = await managedUser(rt, req, { self: false });
			parseInput(noBody, req.body);
			await removePasskey(rt, target, passkey, doorOf(req), clientOf(req));
		}),
	);

	router.post('/passkeys/sign-in/options', signInLimit, handle(async (req) => passkeySignInOptions(rt, parseInput(signInOptionsBody, req.body ?? {}).email)));
	router.post('/passkeys/sign-in/verify', signInLimit, handle(async (req, res) => signInWithPasskey(rt, req, res, parseInput(signInBody, req.body))));

	signInPageRoutes(router, rt);
}
