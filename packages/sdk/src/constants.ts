export const IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";
/** Set by the server on answers that came from its key store. */
export const REPLAYED_HEADER = "Idempotent-Replayed";
