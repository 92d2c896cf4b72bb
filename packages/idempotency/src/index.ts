export { BusinessError, IdempotencyError, type IdempotencyErrorCode, oncelyCodeOf } from "./errors";
export { canonicalJson, fingerprintRequest } from "./fingerprint";
export { IDEMPOTENCY_KEY_HEADER, MAX_KEY_LENGTH, parseIdempotencyKey } from "./key";
export { type IdempotencyContext, idempotent, REPLAYED_HEADER } from "./middleware";
export {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TTL_SECONDS,
  type EnginePoint,
  type EnginePointInfo,
  type IdempotencyOptions,
} from "./options";
export { getKey, type KeyDetail, type KeySummary, listKeys } from "./inspector";
export { DEFAULT_SWEEP_BATCH_SIZE, type SweepOptions, startSweeper, sweepExpiredKeys } from "./sweeper";
