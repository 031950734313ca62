// The host's error classes (stable codes, the host's error format). Ours are made with the
// host's createError so the host's error handler formats them like its own.
export {
	createError,
	ForbiddenError,
	HitRateLimitError,
	InvalidCredentialsError,
	InvalidOtpError,
	InvalidPayloadError,
	InvalidQueryError,
	InvalidTokenError,
	RouteNotFoundError,
	ServiceUnavailableError,
	TokenExpiredError,
	isDirectusError,
} from '@directus/errors';
