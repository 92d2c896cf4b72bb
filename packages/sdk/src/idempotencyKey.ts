import { MAX_KEY_LENGTH } from "./constants";
import { OncelyError } from "./errors";

// What the server accepts as a bare key: visible ASCII without quote or comma.
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x7e]+$/;

/**
 * A new key for a new logical operation: a random UUIDv4 from Web Crypto, in Node and
 * browsers. Browsers only offer crypto.randomUUID on secure origins (https, localhost); on a
 * plain-http origin the same UUID is built from crypto.getRandomValues (RFC 9562, section 5.4).
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return uuidV4FromRandomBytes(crypto.getRandomValues(new Uint8Array(16)));
}

/** Formats 16 random bytes as a version 4, variant 10xx UUID. */
export function uuidV4FromRandomBytes(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
