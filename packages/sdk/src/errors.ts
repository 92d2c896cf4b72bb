import { TRPCClientError } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";

/** Stable codes for how a call ended badly. */
export type OncelyErrorCode =
  /** The server answered with an error; its own code is `serverCode`. */
  | "server_error"
  /** No answer: connection refused or reset, a dropped response, an attempt timeout. */
  | "network_error"
  /** The caller's AbortSignal fired. */
  | "aborted";

export interface OncelyErrorOptions {
  code: OncelyErrorCode;
  message: string;
  /** The last attempt's error. */
  cause?: unknown;
  key?: string | undefined;
  attempts: number;
}

/**
 * Every error an Oncely client call rejects with. It is a TRPCClientError (so `error.data`,
 * `error.shape` and tRPC's own helpers work) with what a caller of a retrying client needs
 * on top: the key every attempt carried, how many attempts ran, and whether to try again.
 */
export class OncelyError extends TRPCClientError<AnyTRPCRouter> {
  override readonly name = "OncelyError";
  readonly code: OncelyErrorCode;
  readonly httpStatus: number | undefined;
  /** The server's `oncelyCode`, e.g. "idempotency_key_reused" or "insufficient_funds". */
  readonly serverCode: string | undefined;
  /** The idempotency key every attempt carried (mutations). */
  readonly key: string | undefined;
  readonly attempts: number;
  /** Whether another call with the same key could still succeed. */
  readonly retryable: boolean;

  constructor(options: OncelyErrorOptions) {
    const last = options.cause instanceof TRPCClientError ? options.cause : undefined;
    super(options.message, {
      cause: options.cause instanceof Error ? options.cause : undefined,
      meta: last?.meta,
      result: last?.shape ? { error: last.shape } : undefined,
    });
    // TRPCClientError's constructor pins its own prototype; put ours back.
    Object.setPrototypeOf(this, new.target.prototype);
    this.code = options.code;
    this.httpStatus = httpStatusOf(options.cause);
    this.serverCode = serverCodeOf(options.cause);
    this.key = options.key;
    this.attempts = options.attempts;
    this.retryable = options.code !== "aborted" && isRetryableFailure(options.cause);
  }
}

/** HTTP status of a failed attempt, if the server answered at all. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const response = (error.meta as { response?: Response } | undefined)?.response;
  return response?.status ?? (error.data as { httpStatus?: number } | undefined)?.httpStatus;
}

/** Response headers of a failed attempt, if the server answered. */
export function responseHeadersOf(error: unknown): Headers | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.meta as { response?: Response } | undefined)?.response?.headers;
}

export function serverCodeOf(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.data as { oncelyCode?: string } | undefined)?.oncelyCode;
}

// 409 counts only when the server says the first request with this key is still running.
const RETRYABLE_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * Whether a failed attempt may be tried again with the same key: network failures and
 * attempt timeouts yes; 4xx answers about the request itself and business errors never.
 */
export function isRetryableFailure(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === undefined) return true; // no answer at all
  if (status === 409) return serverCodeOf(error) === "idempotency_key_in_progress";
  return RETRYABLE_STATUSES.has(status);
}
