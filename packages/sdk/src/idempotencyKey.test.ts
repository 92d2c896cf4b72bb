import { describe, expect, it } from "vitest";
import { OncelyError } from "./errors";
import {
  assertValidIdempotencyKey,
  isValidIdempotencyKey,
  newIdempotencyKey,
  uuidV4FromRandomBytes,
} from "./idempotencyKey";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("idempotency keys", () => {
  it("makes a fresh UUIDv4 each time", () => {
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(UUID_V4);
  });

  it.each([
    ["a UUID", "0b6f2c9e-2d0a-4e57-9d6c-3c1f4c5e8a11"],
    ["one character", "k"],
    ["255 characters", "k".repeat(255)],
    ["visible ASCII punctuation", "order-42_retry.1:ok/~!#$%&'*+^`|"],
  ])("accepts %s", (_name, key) => {
    expect(isValidIdempotencyKey(key)).toBe(true);
    expect(() => assertValidIdempotencyKey(key)).not.toThrow();
  });

  it.each([
    ["an empty key", ""],
    ["256 characters", "k".repeat(256)],
    ["a space", "order 42"],
    ["a double quote", 'order"42'],
    ["a comma", "a,b"],
    ["a control character", "order\n42"],
    ["non-ASCII", "ordér"],
    ["a number", 42],
  ])("refuses %s with a typed error", (_name, key) => {
    expect(isValidIdempotencyKey(key)).toBe(false);
    expect(() => assertValidIdempotencyKey(key)).toThrow(OncelyError);
    try {
      assertValidIdempotencyKey(key);
    } catch (error) {
      expect(error).toMatchObject({ code: "invalid_idempotency_key", attempts: 0, retryable: false });
    }
  });
});

describe("uuidV4FromRandomBytes (plain-http origins have no crypto.randomUUID)", () => {
  it("sets the version and variant bits and formats 36 characters", () => {
    const ones = uuidV4FromRandomBytes(new Uint8Array(16).fill(0xff));
    const zeros = uuidV4FromRandomBytes(new Uint8Array(16));
    expect(ones).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    expect(zeros).toBe("00000000-0000-4000-8000-000000000000");
  });

  it("is what newIdempotencyKey falls back to when randomUUID is missing", () => {
    const randomUUID = crypto.randomUUID;
    Object.defineProperty(crypto, "randomUUID", { value: undefined, configurable: true });
    try {
      const keys = Array.from({ length: 50 }, newIdempotencyKey);
      for (const key of keys)
        expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(keys).size).toBe(50);
    } finally {
      Object.defineProperty(crypto, "randomUUID", { value: randomUUID, configurable: true });
    }
  });
});
