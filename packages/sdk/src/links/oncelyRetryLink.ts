import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { type Observable, observable, type Unsubscribable } from "@trpc/server/observable";
import pRetry from "p-retry";
import { type AttemptEvent, isReplayed } from "../callMeta";
import { callError, type OncelyError } from "../errors";
import "../operationContext";
import type { RetryBudget } from "../retryBudget";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, shouldRetry, sleepTimeMs } from "../retryPolicy";
import { sleep } from "../sleep";

export interface OncelyRetryLinkOptions {
  /** Overrides of the default policy (see DEFAULT_RETRY_POLICY). */
  policy?: Partial<RetryPolicy>;
  /** Retry queries too (they carry no key; safe for reads only). Default false. */
  retryQueries?: boolean;
  /** Called for each failed attempt that will be retried. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Token bucket that every retry draws from. Share one per client; none means unlimited. */
  budget?: RetryBudget;
}

/** How one call is going, as the retry decisions need it. */
interface CallState {
  attempts: number;
  lastError: unknown;
  lastTimedOut: boolean;
  lastRetryCost: number | undefined;
  budgetExhausted: boolean;
  /** Set once the caller aborted or unsubscribed. */
  cancelled: { reason: unknown } | undefined;
  /** Stops the attempt in flight, if there is one. */
  cancelAttempt: ((reason: unknown) => void) | undefined;
  /** Wakes a wait between attempts on cancel; made only when a retry waits. */
  wake: AbortController | undefined;
}

/**
 * Retries an operation with p-retry: full-jitter exponential backoff, the server's Retry-After,
 * a per-attempt timeout, an overall deadline and a shared retry budget. The caller's
 * AbortSignal stops both the wait and the attempt in flight. Place it after `idempotencyKeyLink`
 * so every attempt carries the same key. Every failure becomes an `OncelyError`.
 *
 * An attempt is stopped (timeout, abort) by unsubscribing from it, which makes the HTTP link
 * abort its fetch. The no-fault path therefore creates no AbortController and no listener of
 * its own (both are slow in Node): see bench/overhead.ts.
 */
export function oncelyRetryLink<TRouter extends AnyTRPCRouter>(
  options: OncelyRetryLinkOptions = {},
): TRPCLink<TRouter> {
  const clientPolicy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const noRetryPolicy: RetryPolicy = { ...clientPolicy, maxRetries: 0 };
  return () =>
    ({ op, next }) => {
      // A subscription is a stream, not one answer: nothing here applies to it.
      if (op.type === "subscription") return next(op);
      return observable((observer) => {
        const retries = op.type === "mutation" || options.retryQueries === true;
        const override = op.context.retry;
        const policy = !retries ? noRetryPolicy : override ? { ...clientPolicy, ...override } : clientPolicy;
        const key = op.context.idempotencyKey;
        const deadline = Date.now() + policy.deadlineMs;
        const state: CallState = {
          attempts: 0,
          lastError: undefined,
          lastTimedOut: false,
          lastRetryCost: undefined,
          budgetExhausted: false,
          cancelled: op.signal?.aborted ? { reason: op.signal.reason } : undefined,
          cancelAttempt: undefined,
          wake: undefined,
        };
        const cancel = (reason: unknown) => {
          if (state.cancelled) return;
          state.cancelled = { reason };
          state.wake?.abort(reason);
          state.cancelAttempt?.(reason);
        };
        const onCallerAbort = () => cancel(op.signal?.reason);
        op.signal?.addEventListener("abort", onCallerAbort, { once: true });

        const attempt = async (attemptNumber: number) => {
          if (state.cancelled) throw state.cancelled.reason;
          state.attempts = attemptNumber;
          return runAttempt(next(op), Math.min(policy.attemptTimeoutMs, deadline - Date.now()), state);
        };

        const retryAfterFailure = async (error: unknown, attemptNumber: number) => {
          if (state.cancelled || !shouldRetry(error)) return false;
          const delayMs = sleepTimeMs(attemptNumber, error, policy);
          // The next attempt would start after the deadline: stop now with the real error.
          if (Date.now() + delayMs >= deadline) return false;
          if (options.budget) {
            const cost = options.budget.tryAcquire(state.lastTimedOut);
            if (cost === undefined) {
              state.budgetExhausted = true;
              return false;
            }
            state.lastRetryCost = cost;
          }
          const event: AttemptEvent = { path: op.path, attempt: attemptNumber, key, delayMs, error };
          options.onAttempt?.(event);
          op.context.onAttempt?.(event);
          if (delayMs > 0) {
            state.wake ??= new AbortController();
            await sleep(delayMs, state.wake.signal);
          }
          return true;
        };

        // The first attempt runs on its own, so a call that succeeds at once pays nothing for
        // p-retry; after a retryable failure p-retry runs the rest (attempts 2..maxRetries+1).
        const run = state.cancelled
          ? Promise.reject(state.cancelled.reason)
          : attempt(1).catch(async (error: unknown) => {
              if (policy.maxRetries === 0 || !(await retryAfterFailure(error, 1))) throw error;
              return pRetry((retry) => attempt(retry + 1), {
                retries: policy.maxRetries - 1,
                maxRetryTime: Math.max(0, deadline - Date.now()),
                // The delay is ours (full jitter or Retry-After), slept in retryAfterFailure.
                minTimeout: 0,
                shouldRetry: ({ error, attemptNumber }) => retryAfterFailure(error, attemptNumber + 1),
              });
            });

        let finished = false;
        const finish = () => {
          // Before telling the observer: completing it unsubscribes, which must not cancel.
          finished = true;
          op.signal?.removeEventListener("abort", onCallerAbort);
        };
        run.then(
          (envelope) => {
            finish();
            options.budget?.recordSuccess(state.lastRetryCost);
            const meta = { key, attempts: state.attempts, replayed: isReplayed(envelope.context) };
            op.context.onMeta?.(meta);
            observer.next({ ...envelope, context: { ...envelope.context, ...meta } });
            observer.complete();
          },
          () => {
            finish();
            observer.error(finalError(state, key));
          },
        );
        // Unsubscribing from a call still running cancels it.
        return () => {
          if (!finished) cancel(new DOMException("The call was unsubscribed", "AbortError"));
        };
      });
    };
}

/**
 * Runs one attempt: the first value of `result$`, or a rejection when it fails, takes longer
 * than `timeoutMs`, or the call is cancelled. Stopping unsubscribes, which aborts the request.
 */
function runAttempt<TValue>(result$: Observable<TValue, unknown>, timeoutMs: number, state: CallState) {
  return new Promise<TValue>((resolve, reject) => {
    let done = false;
    let subscription: Unsubscribable | undefined;
    const settle = (outcome: () => void) => {
      done = true;
      clearTimeout(timer);
      state.cancelAttempt = undefined;
      outcome();
      // After the current link code has returned, not from inside its callbacks.
      queueMicrotask(() => subscription?.unsubscribe());
    };
    const fail = (error: unknown) => {
      if (done) return;
      settle(() => {
        state.lastError = error;
        reject(error);
      });
    };
    const timer = setTimeout(
      () => {
        state.lastTimedOut = true;
        fail(TRPCClientError.from(new DOMException(`The attempt took longer than ${timeoutMs} ms`, "TimeoutError")));
      },
      Math.max(0, timeoutMs),
    );
    state.lastTimedOut = false;
    state.cancelAttempt = (reason) =>
      fail(TRPCClientError.from(reason instanceof Error ? reason : new Error("aborted")));
    subscription = result$.subscribe({
      next: (value) => {
        if (!done) settle(() => resolve(value));
      },
      error: fail,
      complete: () => {
        if (!done) fail(new TRPCClientError("The operation completed without a result"));
      },
    });
  });
}

/** The one error a call rejects with. */
function finalError(state: CallState, key: string | undefined): OncelyError {
  return callError({
    cause: state.lastError,
    key,
    attempts: state.attempts,
    aborted: state.cancelled !== undefined,
    budgetExhausted: state.budgetExhausted,
    timedOut: state.lastTimedOut,
    retryable: shouldRetry(state.lastError),
  });
}
