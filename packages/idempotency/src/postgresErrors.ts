import { KEY_TABLE_PRIMARY_KEY } from "./schema";

/** The error and its causes (drizzle wraps driver errors in DrizzleQueryError.cause). */
function* causeChain(error: unknown): Generator<{ code?: unknown }> {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 8; depth++) {
    yield e as { code?: unknown };
    e = (e as { cause?: unknown }).cause;
  }
}

/** SQLSTATE of a PostgreSQL error, if the error or one of its causes carries one. */
export function sqlStateOf(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}

/** Whether the error, or one of its causes, carries this code (a SQLSTATE or a driver code). */
export function hasErrorCode(error: unknown, code: string): boolean {
  for (const e of causeChain(error)) if (e.code === code) return true;
  return false;
}

/** A unique violation of the key table's primary key: the key's row was written by someone else first. */
export function isKeyRowConflict(error: unknown): boolean {
  for (const e of causeChain(error) as Iterable<{ code?: unknown; constraint_name?: unknown }>) {
    if (e.code === UNIQUE_VIOLATION && e.constraint_name === KEY_TABLE_PRIMARY_KEY) return true;
  }
  return false;
}

const UNIQUE_VIOLATION = "23505";

/** lock_timeout expired while a duplicate waited for the first request's row lock. */
export const LOCK_NOT_AVAILABLE = "55P03";

// SQLSTATEs that mean "not now, try again": the server is shutting down, starting up, or
// full, a statement was cancelled (statement_timeout), or a transaction lost a race it can win
// on a second try.
const TRANSIENT_SQLSTATES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "57014", // query_canceled (statement_timeout, or a cancel request)
  "57P01", // admin_shutdown (pg_ctl stop/restart -m fast, pg_terminate_backend)
  "57P02", // crash_shutdown (another backend crashed; the postmaster resets)
  "57P03", // cannot_connect_now (starting up, crash recovery)
  "53300", // too_many_connections
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
 * Failures where the same request can succeed if simply tried again: a lost or refused
 * connection, SQLSTATE class 08, or one of the SQLSTATEs above (drizzle's wrapped errors are
 * looked through). In the engine the transaction rolled back, nothing is stored, and the
 * client should retry with the same key; apps can use it to answer 503 elsewhere too.
 */
export function isTransientDatabaseFailure(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (typeof e.code !== "string") continue;
    if (TRANSIENT_SQLSTATES.has(e.code) || e.code.startsWith("08") || LOST_CONNECTION_CODES.has(e.code)) return true;
  }
  return false;
}
