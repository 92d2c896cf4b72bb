import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, fingerprintRequest } from "./fingerprint";

describe("canonicalJson", () => {
  it("sorts object keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("drops undefined members as JSON does", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(canonicalJson(undefined)).toBe("null");
  });
});

describe("fingerprintRequest", () => {
  it("is the same for the same input in any key order", () => {
    expect(fingerprintRequest("orders.create", { amount: 1, currency: "USD" })).toBe(
      fingerprintRequest("orders.create", { currency: "USD", amount: 1 }),
    );
  });

  it("differs by path and by any value", () => {
    const base = fingerprintRequest("orders.create", { amount: 1 });
    expect(fingerprintRequest("refunds.create", { amount: 1 })).not.toBe(base);
    expect(fingerprintRequest("orders.create", { amount: 2 })).not.toBe(base);
    expect(fingerprintRequest("orders.create", { amount: "1" })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it("is SHA-256 of the path, a newline and the canonical JSON (keys stored before stay comparable)", () => {
    const expected = createHash("sha256").update('orders.create\n{"amount":1,"currency":"USD"}').digest("hex");
    expect(fingerprintRequest("orders.create", { currency: "USD", amount: 1 })).toBe(expected);
  });
});
