export { BusinessError, IdempotencyError, type IdempotencyErrorCode, oncelyCodeOf } from "./errors";
export { canonicalJson, fingerprintRequest } from "./fingerprint";
export { IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH, parseIdempotencyKey } from "./key";
export {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TTL_SECONDS,
  type IdempotencyContext,
  type IdempotencyOptions,
  idempotent,
  REPLAYED_HEADER,
} from "./middleware";
