import * as crypto from "node:crypto";
import { hashApiKey, seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createPrincipalResolver, sameDigest } from "./auth";

// Watch every call of timingSafeEqual while keeping its real behaviour.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

let database: TestDatabase;
let aliceId: string;
beforeAll(async () => {
  database = await createTestDatabase({ max: 2 });
  await seedDemo(database.db);
  const [row] = await database.sql<{ id: string }[]>`SELECT id FROM principals WHERE name = 'alice'`;
  aliceId = row?.id ?? "";
});
afterAll(() => database.drop());
// A block body: a function returned from beforeEach would be called as its cleanup.
beforeEach(() => {
  timingSafeEqual.mockClear();
});

const digest = (apiKey: string) => Buffer.from(hashApiKey(apiKey), "hex");

describe("sameDigest", () => {
  it("is true only for equal digests, and decides through timingSafeEqual", () => {
    expect(sameDigest(digest("sk_test_alice"), digest("sk_test_alice"))).toBe(true);
    expect(sameDigest(digest("sk_test_alice"), digest("sk_test_bob"))).toBe(false);
    // Differing only in the last byte: a naive early-exit compare would be slowest here.
    const last = digest("sk_test_alice");
    last[31] = (last[31] ?? 0) ^ 1;
    expect(sameDigest(digest("sk_test_alice"), last)).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
  });

  it("refuses digests of another length without throwing (timingSafeEqual would)", () => {
    expect(sameDigest(digest("sk_test_alice"), Buffer.alloc(16))).toBe(false);
  });
});

describe("createPrincipalResolver", () => {
  it("accepts a key only after a constant-time comparison of full 32-byte digests, cached or not", async () => {
    const resolve = createPrincipalResolver(database.db);
    expect(await resolve("Bearer sk_test_alice")).toBe(aliceId);
    expect(await resolve("bearer   sk_test_alice  ")).toBe(aliceId); // from the cache
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
    for (const [stored, presented] of timingSafeEqual.mock.calls) {
      expect(Buffer.isBuffer(stored) && stored.length).toBe(32);
      expect(Buffer.isBuffer(presented) && presented.length).toBe(32);
      expect(Buffer.from(presented as Buffer).equals(digest("sk_test_alice"))).toBe(true);
    }
  });

  it("refuses unknown, empty and malformed keys", async () => {
    const resolve = createPrincipalResolver(database.db);
    for (const header of [null, "", "Bearer", "Bearer ", "Basic sk_test_alice", "Bearer sk_test_alic", "Bearer a b"]) {
      expect(await resolve(header), String(header)).toBeNull();
    }
    expect(await resolve("Bearer sk_test_mallory")).toBeNull();
    expect(await resolve("Bearer sk_test_mallory")).toBeNull(); // negative answers are cached too
  });

  it("never stores or looks up the key itself: principals hold its SHA-256 digest only", async () => {
    const rows = await database.sql<{ api_key_hash: string }[]>`SELECT api_key_hash FROM principals ORDER BY name`;
    expect(rows.map((r) => r.api_key_hash)).toEqual([hashApiKey("sk_test_alice"), hashApiKey("sk_test_bob")]);
    for (const row of rows) expect(row.api_key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
