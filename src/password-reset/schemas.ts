// Password reset's request bodies: ours (strict) and the host's (its routes took `reset_url: ""`
// or null as "none").
import { email, httpUrl, newPassword, token, z } from '../shared/input.js';
import type { ResetRequest } from './flow.js';

const resetUrl = () => z.preprocess((value) => (value === '' || value === null ? undefined : value), httpUrl().optional());

export const requestBody = z.strictObject({ email: email(), reset_url: resetUrl() }).transform((body): ResetRequest => ({ email: body.email, reset_url: body.reset_url }));

export const resetBody = z.strictObject({ token: token(), password: newPassword() });
