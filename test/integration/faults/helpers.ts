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
export const OUTBOX_ENV = { USER_LIFECYCLE_OUTBOX_BACKOFF: '1s', USER_LIFECYCLE_OUTBOX_POLL_INTERVAL: '200ms', USER_LIFECYCLE_OUTBOX_MAX_ATTEMPTS: '20' };

/** The worker's claim lease (src/shared/outbox/worker.ts CLAIM_LEASE_MS): a claimed mail of a dead process waits this long. */
export const CLAIM_LEASE_MS = 120_000;

/** SQL condition: the host's sessions on its database `?` (not this session, nor the harness's knex, application_name `?`). */
export const HOST_SESSIONS = 'datname = ? AND pid <> pg_backend_pid() AND application_name <> ?';
