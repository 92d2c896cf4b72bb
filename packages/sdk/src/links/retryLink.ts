import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { type Observable, observable } from "@trpc/server/observable";
import pRetry from "p-retry";
import { isRetryableFailure, OncelyError } from "../errors";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, sleepTimeMs } from "../retryPolicy";

/** One report per failed attempt that will be retried. */
export interface AttemptEvent {
  path: string;
  /** The attempt that just failed (1-based). */
  attempt: number;
  key: string | undefined;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  error: unknown;
}

export interface RetryLinkOptions {
  policy?: Partial<RetryPolicy>;
  /** Retry queries too (they have no key; safe only for reads). Default false. */
  retryQueries?: boolean;
  onAttempt?: (event: AttemptEvent) => void;
}

/**
 * Retries an operation with p-retry: full-jitter exponential backoff, the server's
 * Retry-After, a per-attempt timeout and an overall deadline. The caller's AbortSignal
 * stops both the wait and the attempt in flight. Place it after `idempotencyKeyLink`.
 */
export function retryLink<TRouter extends AnyTRPCRouter>(options: RetryLinkOptions = {}): TRPCLink<TRouter> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  return () =>
    ({ op, next }) => {
      const retries = op.type === "mutation" || (op.type === "query" && options.retryQueries);
      if (!retries) return next(op);

      return observable((observer) => {
        const unsubscribed = new AbortController();
        const signal = op.signal ? AbortSignal.any([op.signal, unsubscribed.signal]) : unsubscribed.signal;
        const key = op.context.idempotencyKey;
        let attempts = 0;

        const attempt = (attemptNumber: number) => {
          attempts = attemptNumber;
          const attemptSignal = AbortSignal.any([signal, AbortSignal.timeout(policy.attemptTimeoutMs)]);
          return firstResult(next({ ...op, signal: attemptSignal }));
        };

        pRetry(attempt, {
          retries: policy.maxRetries,
          maxRetryTime: policy.deadlineMs,
          // The delay is ours (full jitter, Retry-After), slept in shouldRetry below.
          minTimeout: 0,
          signal,
          shouldRetry: async ({ error, attemptNumber }) => {
            if (signal.aborted || !isRetryableFailure(error)) return false;
            const delayMs = sleepTimeMs(attemptNumber, error, policy);
            options.onAttempt?.({ path: op.path, attempt: attemptNumber, key, delayMs, error });
            await sleep(delayMs, signal);
            return true;
          },
        }).then(
          (envelope) => {
            observer.next({ ...envelope, context: { ...envelope.context, attempts, idempotencyKey: key } });
            observer.complete();
          },
          (error: unknown) => observer.error(finalError(error, { signal, key, attempts })),
        );
        return () => unsubscribed.abort();
      });
    };
}

/** The first value of an operation's observable, as a promise. */
function firstResult<TValue>(result$: Observable<TValue, unknown>): Promise<TValue> {
  return new Promise((resolve, reject) => {
    const subscription = result$.subscribe({
      next: (value) => {
        resolve(value);
        queueMicrotask(() => subscription.unsubscribe());
      },
      error: reject,
    });
  });
}

function finalError(error: unknown, context: { signal: AbortSignal; key: string | undefined; attempts: number }) {
  const { key, attempts } = context;
  if (context.signal.aborted) {
    return new OncelyError({
      code: "aborted",
      message: "The call was aborted by its AbortSignal",
      cause: error,
      key,
      attempts,
    });
  }
  const answered = error instanceof TRPCClientError && error.shape !== undefined && error.shape !== null;
  return new OncelyError({
    code: answered ? "server_error" : "network_error",
    message: error instanceof Error ? error.message : String(error),
    cause: error,
    key,
    attempts,
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
