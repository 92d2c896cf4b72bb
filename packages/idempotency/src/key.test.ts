import { describe, expect, it } from "vitest";
import { IdempotencyError } from "./errors";
import { parseIdempotencyKey } from "./key";

describe("parseIdempotencyKey", () => {
  it("returns null when the header is absent", () => {
    expect(parseIdempotencyKey(null)).toBeNull();
    expect(parseIdempotencyKey(undefined)).toBeNull();
  });

  it("reads a bare token and the draft's sf-string form as the same key", () => {
    const key = "8e03978e-40d5-43e8-bc93-6894a57f9324";
    expect(parseIdempotencyKey(key)).toBe(key);
    expect(parseIdempotencyKey(`"${key}"`)).toBe(key);
    expect(parseIdempotencyKey(`  ${key}  `)).toBe(key);
  });

  it("unescapes quotes and backslashes inside an sf-string, and allows spaces there", () => {
    expect(parseIdempotencyKey('"a \\"b\\" \\\\ c"')).toBe('a "b" \\ c');
    expect(parseIdempotencyKey('"order, 42"')).toBe("order, 42");
  });

  it("accepts 255 characters and refuses 256", () => {
    expect(parseIdempotencyKey("k".repeat(255))).toHaveLength(255);
    expect(() => parseIdempotencyKey("k".repeat(256))).toThrow(/1 to 255/);
    expect(() => parseIdempotencyKey(`"${"k".repeat(256)}"`)).toThrow(/1 to 255/);
  });

  it.each([
    ["empty", ""],
    ["empty quotes", '""'],
    ["a space in a bare key", "a b"],
    ["a comma (several header values)", "abc, def"],
    ["a tab", "a\tb"],
    ["non-ASCII", "clé"],
    ["an unterminated quote", '"abc'],
    ["a stray quote", 'ab"c'],
    ["a bad escape", '"a\\b"'],
    ["a DEL character", "a\x7fb"],
  ])("refuses %s with idempotency_key_invalid", (_label, value) => {
    let thrown: unknown;
    try {
      parseIdempotencyKey(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IdempotencyError);
    expect((thrown as IdempotencyError).code).toBe("idempotency_key_invalid");
  });
});
