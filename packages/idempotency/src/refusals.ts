import { TRPCError } from "@trpc/server";
import { IdempotencyError, type IdempotencyErrorCode } from "./errors";
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from "./key";
import { isTransientDatabaseFailure, LOCK_NOT_AVAILABLE, sqlStateOf } from "./postgresErrors";

// The answers the middleware gives instead of running a handler. Never stored.

/** The request's key, null when absent; a malformed key is a 400. */
export function readKeyHeader(headers: Headers): string | null {
  try {
    return parseIdempotencyKey(headers.get(IDEMPOTENCY_KEY_HEADER));
  } catch (error) {
    if (error instanceof IdempotencyError) throw error.toTRPCError();
    throw error;
  }
}

export const refusal = (code: IdempotencyErrorCode, message: string): TRPCError =>
  new IdempotencyError(code, message).toTRPCError();

export const missingKey = (path: string) =>
  refusal(
    "idempotency_key_missing",
    `${path} needs an Idempotency-Key header (for example a UUID) so a retry cannot run it twice`,
  );

export const keyInBatch = () =>
  refusal(
    "idempotency_key_in_batch",
    "One Idempotency-Key cannot name several operations: send idempotent mutations one per request",
  );

export const keyReused = (key: string, requestPath: string) =>
  refusal(
    "idempotency_key_reused",
    `Idempotency-Key "${key}" was already used for a different request (${requestPath} with other input); use a new key for a new request`,
  );

/** 409 + Retry-After: the first request with this key is still running. */
export function inProgress(key: string, retryAfterSeconds: number, responseHeaders: Headers): TRPCError {
  responseHeaders.set("Retry-After", String(retryAfterSeconds));
  return refusal(
    "idempotency_key_in_progress",
    `A request with Idempotency-Key "${key}" is still being processed; retry after ${retryAfterSeconds}s`,
  );
}

/** 409 + Retry-After at once: enough requests of this process already wait for this key (or principal). */
export function waitersFull(key: string, retryAfterSeconds: number, responseHeaders: Headers): TRPCError {
  responseHeaders.set("Retry-After", String(retryAfterSeconds));
  return refusal(
    "idempotency_key_in_progress",
    `A request with Idempotency-Key "${key}" is still being processed and others already wait for it; retry after ${retryAfterSeconds}s`,
  );
}

/** Database failures become answers that tell the client what to do; the rest passes through. */
export function translateFailure(error: unknown, key: string, retryAfterSeconds: number, responseHeaders: Headers) {
  if (sqlStateOf(error) === LOCK_NOT_AVAILABLE) return inProgress(key, retryAfterSeconds, responseHeaders);
  if (isTransientDatabaseFailure(error)) {
    responseHeaders.set("Retry-After", String(retryAfterSeconds));
    return new IdempotencyError(
      "transient_failure",
      "A temporary database problem stopped this request; nothing was saved, retry with the same Idempotency-Key",
      { cause: error },
    ).toTRPCError();
  }
  return error;
}

/** A programming error: the plugin was put on a query or subscription. */
export function assertMutation(plugin: string, type: string, path: string): void {
  if (type !== "mutation") {
    throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `${plugin} wraps mutations, not ${type} ${path}` });
  }
}
