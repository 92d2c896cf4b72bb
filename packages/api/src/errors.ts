import { BusinessError } from "@oncely/idempotency";
import { TRPCError } from "@trpc/server";

/** Stable codes for the API's own refusals (sent as `error.data.oncelyCode`). */
export type ApiErrorCode =
  | "unauthenticated"
  | "account_not_found"
  | "order_not_found"
  | "payment_not_found"
  | "refund_not_found"
  | "transfer_not_found"
  | "ledger_entry_not_found"
  | "currency_mismatch"
  | "account_not_chargeable"
  | "merchant_account_missing"
  | "order_already_paid"
  | "order_cancelled"
  | "version_mismatch"
  | "idempotency_key_not_found"
  | "database_unavailable"
  | "request_timeout";

const TRPC_CODE_BY_ERROR = {
  unauthenticated: "UNAUTHORIZED",
  account_not_found: "NOT_FOUND",
  order_not_found: "NOT_FOUND",
  payment_not_found: "NOT_FOUND",
  refund_not_found: "NOT_FOUND",
  transfer_not_found: "NOT_FOUND",
  ledger_entry_not_found: "NOT_FOUND",
  currency_mismatch: "BAD_REQUEST",
  account_not_chargeable: "BAD_REQUEST",
  merchant_account_missing: "UNPROCESSABLE_CONTENT",
  order_already_paid: "UNPROCESSABLE_CONTENT",
  order_cancelled: "UNPROCESSABLE_CONTENT",
  // 412, not 409: clients retry 409 ("still in progress"), and a stale version never heals.
  version_mismatch: "PRECONDITION_FAILED",
  idempotency_key_not_found: "NOT_FOUND",
  // 503 + Retry-After (src/databaseAway.ts): clients retry it, with the same key.
  database_unavailable: "SERVICE_UNAVAILABLE",
  request_timeout: "SERVICE_UNAVAILABLE",
} as const satisfies Record<ApiErrorCode, TRPCError["code"]>;

/**
 * A request the API refuses before anything is written (unknown ids, mismatched input).
 * Not stored under the idempotency key: the transaction rolls back and the key stays free.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  toTRPCError(): TRPCError {
    return new TRPCError({ code: TRPC_CODE_BY_ERROR[this.code], message: this.message, cause: this });
  }
}

export const apiError = (code: ApiErrorCode, message: string) => new ApiError(code, message).toTRPCError();

/**
 * Deterministic outcomes of money movement. Thrown inside an idempotent handler they are
 * STORED under the key: the handler's writes roll back to a savepoint, the error commits with
 * the key, and every retry replays it byte for byte (the same request would fail the same way).
 */
export type StoredErrorCode =
  | "insufficient_funds"
  | "order_already_paid"
  | "order_cancelled"
  | "refund_exceeds_payment"
  | "currency_mismatch";

const STORED_TRPC_CODE = {
  insufficient_funds: "UNPROCESSABLE_CONTENT",
  order_already_paid: "UNPROCESSABLE_CONTENT",
  order_cancelled: "UNPROCESSABLE_CONTENT",
  refund_exceeds_payment: "UNPROCESSABLE_CONTENT",
  // The same status as orders.create's (unstored) currency_mismatch: one code, one status.
  currency_mismatch: "BAD_REQUEST",
} as const satisfies Record<StoredErrorCode, TRPCError["code"]>;

export const storedError = (code: StoredErrorCode, message: string) =>
  new BusinessError(code, message, STORED_TRPC_CODE[code]);
