import { TRPCError } from "@trpc/server";

/** Stable codes for the API's own refusals (sent as `error.data.oncelyCode`). */
export type ApiErrorCode =
  | "unauthenticated"
  | "account_not_found"
  | "order_not_found"
  | "currency_mismatch"
  | "account_not_chargeable";

const TRPC_CODE_BY_ERROR = {
  unauthenticated: "UNAUTHORIZED",
  account_not_found: "NOT_FOUND",
  order_not_found: "NOT_FOUND",
  currency_mismatch: "BAD_REQUEST",
  account_not_chargeable: "BAD_REQUEST",
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
