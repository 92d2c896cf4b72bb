import { TRPCError } from "@trpc/server";

/** Stable codes a client can branch on (sent as `error.data.oncelyCode`). */
export type IdempotencyErrorCode =
  | "idempotency_key_missing"
  | "idempotency_key_invalid"
  | "idempotency_key_reused"
  | "idempotency_key_in_progress"
  | "idempotency_key_in_batch"
  | "transient_failure"
  | "idempotency_cursor_invalid";

const TRPC_CODE_BY_ERROR = {
  idempotency_key_missing: "BAD_REQUEST",
  idempotency_key_invalid: "BAD_REQUEST",
  idempotency_key_reused: "UNPROCESSABLE_CONTENT",
  idempotency_key_in_progress: "CONFLICT",
  idempotency_key_in_batch: "BAD_REQUEST",
  transient_failure: "SERVICE_UNAVAILABLE",
  idempotency_cursor_invalid: "BAD_REQUEST",
} as const satisfies Record<IdempotencyErrorCode, TRPCError["code"]>;

/** Raised by the middleware itself, before or instead of running a handler. Never stored. */
export class IdempotencyError extends Error {
  override readonly name = "IdempotencyError";
  readonly code: IdempotencyErrorCode;

  constructor(code: IdempotencyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: TRPC_CODE_BY_ERROR[this.code], message: this.message, cause: this });
  }
}

/**
 * A deterministic business outcome (insufficient funds, over-refund...): the same request
 * would fail the same way again, so the failure is stored under the key and replayed.
 * The handler's writes are rolled back to a savepoint; the key row commits.
 */
export class BusinessError extends Error {
  override readonly name = "BusinessError";
  /** Stable snake_case code, e.g. "insufficient_funds". */
  readonly code: string;
  /** The tRPC code deciding the HTTP status; business errors are 4xx. */
  readonly trpcCode: TRPCError["code"];

  constructor(code: string, message: string, trpcCode: TRPCError["code"] = "UNPROCESSABLE_CONTENT") {
    super(message);
    this.code = code;
    this.trpcCode = trpcCode;
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: this.trpcCode, message: this.message, cause: this });
  }
}

/** The `oncelyCode` to put in a tRPC error shape, if the error carries one of ours. */
export function oncelyCodeOf(error: TRPCError): string | undefined {
  const cause = error.cause;
  if (cause instanceof IdempotencyError || cause instanceof BusinessError) return cause.code;
  return undefined;
}
