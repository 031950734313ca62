// Shared by the fault tests: outbox timings, the host's database sessions, small helpers.

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * How long SMTP is down in the outage test: 5 s by default (with the 1 s backoff below, tries 1–3
 * fall inside it and try 4, at ≈ 7 s, after it: what a minute proves, in seconds);
 * FAULT_SMTP_OUTAGE_MS=60000 plays the minute-long outage.
 */
export const SMTP_OUTAGE_MS = Number(process.env['FAULT_SMTP_OUTAGE_MS'] ?? 5_000);

/*
 * Outbox timings. A failed try n (n = 1, 2, ...) is retried BACKOFF × 2^(n−1) later (capped at
 * 1 h), so with 1 s the tries come ≈ 0, 1, 3, 7, 15, 31, 63, 127 s after the first one. An SMTP
 * outage of 60 s is over just before the 7th try (≈ 63 s): the mails arrive a few seconds after
 * SMTP is back. Drift (the 200 ms poll, the time the sends take) only moves tries later, so the
 * 6th stays inside the outage and the 7th after it. 20 tries are far from spent (7 used). With
 * 2 s the 7th try would come at ≈ 126 s (the 6th at ≈ 62 s: after the outage only if nothing
 * drifts by more than 2 s): the test would wait a minute longer. With the default 5 s, the try
 * after the outage comes at ≈ 155 s.
 */
/**
 * The outbox's claim lease (USER_LIFECYCLE_OUTBOX_CLAIM_LEASE, 2 minutes by default): a claimed mail
 * of a dead process waits this long. 20 s here: longer than the restart, so the crash test still
 * sees the dead process's claims honoured, then taken over.
 */
export const CLAIM_LEASE_MS = 20_000;

export const OUTBOX_ENV = {
	USER_LIFECYCLE_OUTBOX_BACKOFF: '1s',
	USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '200ms',
	USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '20',
	USER_LIFECYCLE_OUTBOX_CLAIM_LEASE: `${CLAIM_LEASE_MS}ms`,
};

/** SQL condition: the host's sessions on its database `?` (not this session, nor the harness's knex, application_name `?`). */
export const HOST_SESSIONS = 'datname = ? AND pid <> pg_backend_pid() AND application_name <> ?';
