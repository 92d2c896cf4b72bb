/**
 * When the database is away (refused, reset, restarting, crashed, not answering), every
 * procedure answers 503 with Retry-After, which clients retry, instead of a 500. The
 * idempotency engine already answers so for its own transactions; this covers the rest:
 * authentication, queries, and mutations outside the engine (trpc.ts `answerWhenDatabaseAway`).
 */

/** How long a client should wait before trying again (seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * Longest a request may take before it is answered 503 (ms). Longer than the engine's 5 s
 * key-lock bound (a duplicate's wait ends in its 409 first), shorter than the SDK's 10 s
 * attempt timeout (the client hears an answer it can act on, not its own timeout).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 8_000;

// SQLSTATEs that mean "not now, try again": the server is shutting down, starting up, or
// full, or a transaction lost a race it can win on a second try.
const RETRYABLE_SQLSTATES = new Set([
  "57P01", // admin_shutdown (pg_ctl stop/restart -m fast, pg_terminate_backend)
  "57P02", // crash_shutdown (another backend crashed; the postmaster resets)
  "57P03", // cannot_connect_now (starting up, crash recovery)
  "53300", // too_many_connections
  "57014", // query_canceled (statement_timeout, or a cancel request)
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);
// How postgres.js and Node report a connection that failed or went away.
const LOST_CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
]);

/**
 * Whether an error (or one of its causes: drizzle wraps the driver's) says the database could
 * not be reached or asked to be tried again: a lost or refused connection, SQLSTATE class 08
 * (connection exception), or one of RETRYABLE_SQLSTATES.
 */
export function isTransientDatabaseFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 8; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (LOST_CONNECTION_CODES.has(code) || RETRYABLE_SQLSTATES.has(code))) return true;
    if (typeof code === "string" && /^08[0-9A-Z]{3}$/.test(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** `work`, or "timeout" if it has not settled within `ms`. */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
