export type { OncelyDatabase, SchemalessDatabase, TransactionOf } from "./database";
export { BusinessError, IdempotencyError, type IdempotencyErrorCode, oncelyCodeOf } from "./errors";
export { canonicalJson, fingerprintRequest } from "./fingerprint";
export { getKey, type KeyDetail, type KeySummary, listKeys, MAX_PAGE_SIZE } from "./inspector";
export { IDEMPOTENCY_KEY_HEADER, isStorableKey, MAX_KEY_LENGTH, parseIdempotencyKey } from "./key";
export { type IdempotencyContext, idempotent } from "./middleware";
export {
  DEFAULT_LOCK_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_TTL_SECONDS,
  type EnginePoint,
  type EnginePointInfo,
  type IdempotencyOptions,
} from "./options";
export { DEFAULT_LEASE_SECONDS, deriveKey, idempotentPhased, type PhasedOptions, PhaseRunner } from "./phased";
export { isTransientDatabaseFailure } from "./postgresErrors";
export { oncelyResponseMeta } from "./responseMeta";
export { type AbandonedRequest, type ResumeOptions, type ResumeReport, resumeAbandonedKeys } from "./resumer";
export { REPLAYED_HEADER } from "./storedAnswer";
export { DEFAULT_SWEEP_BATCH_SIZE, type SweepOptions, startSweeper, sweepExpiredKeys } from "./sweeper";
