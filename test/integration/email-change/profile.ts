// The email change suites' settings profile: one allow-listed confirmation page of a project's
// own, no per-IP reset limit. It is the password policy suites' profile (which holds the page):
// the files of both share one host per database.
import { POLICY_ENV, WRITER } from '../password-policy/profile.js';

export const CONFIRM_URL = POLICY_ENV['USER_LIFECYCLE_EMAIL_CHANGE_URL_ALLOW_LIST']!;

export const EMAIL_CHANGE_PROFILE = { env: POLICY_ENV, extraExtensions: [WRITER] };
