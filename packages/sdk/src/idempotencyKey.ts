/** Longest key the server accepts. */
export const MAX_KEY_LENGTH = 255;
// What the server accepts as a bare key: visible ASCII without quote or comma.
const BARE_KEY = /^[\x21\x23-\x2b\x2d-\x7e]+$/;

/** A new key for a new logical operation: a UUIDv4 (Web Crypto, in Node and browsers). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/** Throws a TypeError for a caller-supplied key the server would refuse. */
export function assertValidIdempotencyKey(key: string): void {
  if (key.length < 1 || key.length > MAX_KEY_LENGTH || !BARE_KEY.test(key)) {
    throw new TypeError(
      `Invalid idempotency key ${JSON.stringify(key)}: use 1 to ${MAX_KEY_LENGTH} visible ASCII characters without quotes, commas or spaces (a UUID is ideal)`,
    );
  }
}
