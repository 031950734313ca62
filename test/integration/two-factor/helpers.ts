// Codes for the two-factor tests, made from the secret as an authenticator app would.
import { expect } from 'vitest';
import { msLeftInStep, timeStep, totpAt } from '../../../src/two-factor/totp.js';
import { PASSWORD, type TestHost } from '../../harness/host.js';

/** Waits out the end of a step, so a code made now stays current while the test uses it. */
export async function settleStep(marginMs = 4000): Promise<void> {
	const left = msLeftInStep(Date.now());
	if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

/** Codes of the previous, current and next step (our routes accept ±1 step; the host's login only the current one). */
export async function codes(secret: string) {
	await settleStep();
	const now = Date.now();
	return { previous: totpAt(secret, now - 30_000), current: totpAt(secret, now), next: totpAt(secret, now + 30_000), step: timeStep(now) };
}

/** A code that is none of `codes`' (a wrong code). */
export function wrongCode(...avoid: string[]): string {
	for (let n = 0; ; n++) {
		const candidate = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
		if (!avoid.includes(candidate)) return candidate;
	}
}

/** Generates and enables TFA through our routes (enabling with the previous step's code keeps the current one free). */
export async function enableTfa(host: TestHost, token: string): Promise<{ secret: string; recoveryCodes: string[] }> {
	const generated = await host.api('POST', '/user-lifecycle/tfa/generate', { password: PASSWORD }, { token });
	expect(generated.status).toBe(200);
	const secret: string = generated.body.data.secret;
	const { previous } = await codes(secret);
	const enabled = await host.api('POST', '/user-lifecycle/tfa/enable', { secret, otp: previous }, { token });
	expect(enabled.status).toBe(200);
	return { secret, recoveryCodes: enabled.body.data.recovery_codes };
}
