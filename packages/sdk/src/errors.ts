import { TRPCClientError } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";

/** Stable codes for how a call ended badly. */
export type OncelyErrorCode =
  /** The server answered with an error; its own code is `serverCode`, its status `httpStatus`. */
  | "server_error"
  /** No answer: connection refused or reset, a dropped response. */
  | "network_error"
  /** The last attempt ran out of time (the per-attempt timeout or the overall deadline). */
  | "timeout"
  /** The caller's AbortSignal fired. Whether the server acted is unknown: retry with the same key. */
  | "aborted"
  /** The client's retry budget was empty, so it failed fast instead of joining a retry storm. */
  | "retry_budget_exhausted"
  /** The caller's own idempotency key is one the server would refuse. Nothing was sent. */
  | "invalid_idempotency_key";

export interface OncelyErrorOptions {
  code: OncelyErrorCode;
  message: string;
  /** The last attempt's error. */
  cause?: unknown;
  key?: string | undefined;
  attempts: number;
  /** Whether another call with the same key could still succeed. Default false. */
  retryable?: boolean;
}

/**
 * Every error an Oncely client call rejects with. It is a TRPCClientError (so `error.data`,
 * `error.shape` and tRPC's own helpers work) with what a caller of a retrying client needs
 * on top: the key every attempt carried, how many attempts ran, and whether to try again.
 */
export class OncelyError extends TRPCClientError<AnyTRPCRouter> {
  override readonly name = "OncelyError";
  readonly code: OncelyErrorCode;
  /** The HTTP status of the last answer, if there was one. */
  readonly httpStatus: number | undefined;
  /** The server's `oncelyCode`, e.g. "idempotency_key_reused" or "insufficient_funds". */
  readonly serverCode: string | undefined;
  /** The idempotency key every attempt carried (mutations). */
  readonly key: string | undefined;
  /** Attempts sent (0 when the call failed before sending anything). */
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
    this.retryable = options.retryable ?? false;
  }
}

export function isOncelyError(error: unknown): error is OncelyError {
  return error instanceof OncelyError;
}

/** How a call ended, as the retry link saw it. */
export interface CallOutcome {
  /** The last attempt's error (undefined if none was sent). */
  cause: unknown;
  key: string | undefined;
  attempts: number;
  aborted: boolean;
  budgetExhausted: boolean;
  timedOut: boolean;
  /** Whether the last failure is one the retry table retries. */
  retryable: boolean;
}

/** The factory: names a failed call's error for why it ended, the wire error kept as `cause`. */
export function callError(outcome: CallOutcome): OncelyError {
  const { cause, key, attempts } = outcome;
  const make = (code: OncelyErrorCode, message: string, retryable: boolean) =>
    new OncelyError({ code, message, cause, key, attempts, retryable });
  const lastMessage = cause instanceof Error ? cause.message : String(cause);

  if (outcome.aborted) return make("aborted", "The call was aborted by its AbortSignal", false);
  if (outcome.budgetExhausted) {
    return make(
      "retry_budget_exhausted",
      `Not retried: the client's retry budget is empty (too many recent failures). Last error: ${lastMessage}`,
      true,
    );
  }
  if (outcome.timedOut) return make("timeout", lastMessage, true);
  const answered = httpStatusOf(cause) !== undefined || (cause instanceof TRPCClientError && cause.shape !== undefined);
  return make(answered ? "server_error" : "network_error", lastMessage, outcome.retryable);
}

/** The HTTP response of a failed attempt, if the server answered at all. */
function responseOf(error: unknown): Response | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.meta as { response?: Response } | undefined)?.response;
}

/** HTTP status of a failed attempt, if the server answered at all. */
export function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return responseOf(error)?.status ?? (error.data as { httpStatus?: number } | undefined)?.httpStatus;
}

/** Response headers of a failed attempt, if the server answered. */
export function responseHeadersOf(error: unknown): Headers | undefined {
  return responseOf(error)?.headers;
}

/** The server's own error code (`error.data.oncelyCode`), if it sent one. */
export function serverCodeOf(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  return (error.data as { oncelyCode?: string } | undefined)?.oncelyCode;
}
