// Two-factor enforcement's refusal, declared once: the host's error format, a code of our own.
import { createError } from '../shared/util/errors.js';

const TfaRequiredError = createError('TFA_REQUIRED', 'Two-factor authentication must be set up before this request is allowed', 403);

export const tfaRequired = () => new TfaRequiredError();
