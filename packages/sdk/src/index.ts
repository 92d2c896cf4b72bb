export { type AttemptEvent, type CallMeta, type CallResult, withMeta } from "./callMeta";
export { createOncelyClient, DEFAULT_MAX_BATCH_SIZE, type OncelyClientOptions } from "./client";
export { IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER } from "./constants";
export {
  httpStatusOf,
  isOncelyError,
  OncelyError,
  type OncelyErrorCode,
  type OncelyErrorOptions,
  responseHeadersOf,
  serverCodeOf,
} from "./errors";
export { gatewayAwareFetch } from "./gatewayFetch";
export { assertValidIdempotencyKey, isValidIdempotencyKey, newIdempotencyKey } from "./idempotencyKey";
export { idempotencyKeyLink } from "./links/idempotencyKeyLink";
export { type OncelyRetryLinkOptions, oncelyRetryLink } from "./links/oncelyRetryLink";
export type { OncelyCallContext } from "./operationContext";
export {
  DEFAULT_BUDGET_CAPACITY,
  DEFAULT_RETRY_COST,
  DEFAULT_SUCCESS_REFILL,
  DEFAULT_TIMEOUT_RETRY_COST,
  RetryBudget,
  type RetryBudgetOptions,
} from "./retryBudget";
export {
  DEFAULT_RETRY_POLICY,
  fullJitterDelay,
  parseRetryAfter,
  type RetryPolicy,
  shouldRetry,
  sleepTimeMs,
} from "./retryPolicy";
