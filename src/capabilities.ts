// The capabilities this bundle is made of, in the order their routes are mounted. Both entry
// files wire exactly these; adding a capability is one line here. The login lock comes before
// two-factor: its `auth.login` filter refuses a locked user before any code is looked at.
import { LEASE_MIGRATIONS } from './bundle/leases.js';
import { MODULE_BAR_MIGRATIONS } from './bundle/module-bar.js';
import { USERS_PAGE_FIELD_MIGRATIONS } from './bundle/users-page-field.js';
import { SCHEDULE_SETTINGS } from './bundle/schedule.js';
import { emailChange } from './email-change/index.js';
import { emailSignIn } from './email-sign-in/index.js';
import { invitation } from './invitation/index.js';
import { passwordReset } from './password-reset/index.js';
import { createPasswordResets } from './password-reset/flow.js';
import { loginLock } from './login-lock/index.js';
import { notices } from './notices/index.js';
import { createPasswordGate } from './login-lock/password-gate.js';
import { passwordPolicy } from './password-policy/index.js';
import { createPasswordPolicy } from './password-policy/policy.js';
import { registration } from './registration/index.js';
import { createOutbox, outbox } from './outbox/index.js';
import { passkeys } from './passkeys/index.js';
import { sessions } from './sessions/index.js';
import type { Capability } from './shared/capability.js';
import type { StartUp } from './shared/runtime.js';
import { status } from './status/index.js';
import { tfaEnforcement } from './tfa-enforcement/index.js';
import { createOtpGate } from './two-factor/otp-gate.js';
import { twoFactor } from './two-factor/index.js';

const FLOWS: readonly Capability[] = [registration, invitation, loginLock, twoFactor, status, sessions, passwordReset, emailSignIn, passkeys, tfaEnforcement, passwordPolicy, emailChange, notices];

export const CAPABILITIES: readonly Capability[] = [...FLOWS, outbox(new Map(FLOWS.flatMap((capability) => Object.entries(capability.mailRetry ?? {}))))];

/** The mail templates the capabilities ship (the outbox renders them). */
const MAIL_TEMPLATES = FLOWS.flatMap((capability) => capability.mailTemplates ?? []);

/** What the runtime needs of every capability before it starts: tables, settings, studio collections, the mail queue. */
export const START_UP: StartUp = {
	// The schedule's lease table and the Data Studio's one-time steps (module bar, Users page field) are the bundle's own (src/bundle/).
	migrations: [...LEASE_MIGRATIONS, ...MODULE_BAR_MIGRATIONS, ...USERS_PAGE_FIELD_MIGRATIONS, ...CAPABILITIES.flatMap((capability) => capability.migrations ?? [])],
	settings: [SCHEDULE_SETTINGS, ...CAPABILITIES.flatMap((capability) => (capability.settings ? [capability.settings] : []))],
	studioCollections: CAPABILITIES.flatMap((capability) => capability.studioCollections ?? []),
	mailQueue: (rt) => createOutbox(rt, MAIL_TEMPLATES),
	passwordGate: createPasswordGate,
	otpGate: createOtpGate,
	passwordPolicy: createPasswordPolicy,
	passwordResets: createPasswordResets,
};
