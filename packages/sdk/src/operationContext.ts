import type { AttemptEvent, CallMeta } from "./callMeta";
import type { RetryPolicy } from "./retryPolicy";

/**
 * Per-call options. They travel in tRPC's operation context:
 *
 * ```ts
 * oncely.orders.create.mutate(input, {
 *   signal,
 *   context: { idempotencyKey, retry: { maxRetries: 0 } } satisfies OncelyCallContext,
 * });
 * ```
 *
 * (tRPC types a call's `context` as a plain record, so `satisfies` is what checks the fields.)
 * Links upstream of the retry put things here once; every attempt sees the same values.
 */
export type OncelyCallContext = {
  /** The key for this logical mutation. Pass your own to tie several calls to one operation. */
  idempotencyKey?: string;
  /** Retry policy overrides for this call only, e.g. `{ maxRetries: 0 }`. */
  retry?: Partial<RetryPolicy>;
  /** Called for each failed attempt of this call that will be retried (after the client's). */
  onAttempt?: (event: AttemptEvent) => void;
  /** Called once with the key, attempts and replayed flag when the call succeeds (see `withMeta`). */
  onMeta?: (meta: CallMeta) => void;
};

declare module "@trpc/client" {
  // Links read the same fields from `op.context`.
  interface OperationContext extends OncelyCallContext {}
}
