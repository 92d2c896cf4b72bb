export { createOncelyClient, type OncelyClientOptions } from "./client";
export { IDEMPOTENCY_KEY_HEADER, REPLAYED_HEADER } from "./constants";
export { isRetryableFailure, OncelyError, type OncelyErrorCode } from "./errors";
export { assertValidIdempotencyKey, MAX_KEY_LENGTH, newIdempotencyKey } from "./idempotencyKey";
export { idempotencyKeyLink } from "./links/idempotencyKeyLink";
export { type AttemptEvent, type RetryLinkOptions, retryLink } from "./links/retryLink";
export {
  DEFAULT_RETRY_POLICY,
  fullJitterDelay,
  parseRetryAfter,
  type RetryPolicy,
  sleepTimeMs,
} from "./retryPolicy";
