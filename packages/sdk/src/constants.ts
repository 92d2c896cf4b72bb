export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
/** Set by the server on answers that came from its key store. */
export const REPLAYED_HEADER = "Idempotent-Replayed";
/** Longest key the server accepts. */
export const MAX_KEY_LENGTH = 255;
