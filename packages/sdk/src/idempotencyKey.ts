import { MAX_KEY_LENGTH } from "./constants";
import { OncelyError } from "./errors";

// What the server accepts as a bare key: visible ASCII without quote or comma.
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x7e]+$/;

/** A new key for a new logical operation: a UUIDv4 (Web Crypto, in Node and browsers). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** Whether the server would accept `key` as an idempotency key. */
export function isValidIdempotencyKey(key: unknown): key is string {
  return typeof key === "string" && key.length >= 1 && key.length <= MAX_KEY_LENGTH && BARE_KEY.test(key);
}

/** Throws an OncelyError ("invalid_idempotency_key") for a caller-supplied key the server would refuse. */
export function assertValidIdempotencyKey(key: unknown): asserts key is string {
  if (isValidIdempotencyKey(key)) return;
  throw new OncelyError({
    code: "invalid_idempotency_key",
    message: `Invalid idempotency key ${JSON.stringify(key)}: use 1 to ${MAX_KEY_LENGTH} visible ASCII characters without quotes, commas or spaces (a UUID is ideal)`,
    attempts: 0,
  });
}
