/**
 * When the database is away (refused, reset, restarting, crashed, not answering), every
 * procedure answers 503 with Retry-After, which clients retry, instead of a 500. The
 * idempotency engine already answers so for its own transactions; this covers the rest:
 * authentication, queries, and mutations outside the engine (trpc.ts `answerWhenDatabaseAway`),
 * with the engine's own test of such failures (`isTransientDatabaseFailure`).
 */

/** How long a client should wait before trying again (seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * Longest a request may take before it is answered 503 (ms). Longer than the engine's 5 s
 * key-lock bound (a duplicate's wait ends in its 409 first), shorter than the SDK's 10 s
 * attempt timeout (the client hears an answer it can act on, not its own timeout).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 8_000;

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
