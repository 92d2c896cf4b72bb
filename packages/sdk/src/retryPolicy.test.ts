import { TRPCClientError } from "@trpc/client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_RETRY_POLICY,
  fullJitterDelay,
  parseRetryAfter,
  type RetryPolicy,
  shouldRetry,
  sleepTimeMs,
} from "./retryPolicy";

/** A failed attempt as httpLink reports it: the Response in meta, the error body in shape. */
function answered(status: number, options: { oncelyCode?: string; headers?: Record<string, string> } = {}) {
  return new TRPCClientError("failed", {
    meta: { response: new Response(null, { status, headers: options.headers }) },
    result: {
      error: {
        code: -32600,
        message: "failed",
        data: { code: "X", httpStatus: status, oncelyCode: options.oncelyCode },
      },
    } as never,
  });
}

describe("fullJitterDelay", () => {
  it("stays in [0, min(maxDelay, base·factor^(n-1))) and is a whole number of ms", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 60_000 }),
        (retry, random, baseDelayMs, factor, maxDelayMs) => {
          const delay = fullJitterDelay(retry, { baseDelayMs, factor, maxDelayMs }, () => random);
          const ceiling = Math.min(maxDelayMs, baseDelayMs * factor ** (retry - 1));
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(ceiling);
        },
      ),
    );
  });

  it("doubles its ceiling each retry from 100 ms and stops at 5 s (the defaults)", () => {
    const top = () => 0.999_999;
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((retry) => fullJitterDelay(retry, DEFAULT_RETRY_POLICY, top) + 1);
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(fullJitterDelay(3, DEFAULT_RETRY_POLICY, () => 0)).toBe(0);
  });

  it("spreads waits over the whole range (full jitter, not equal jitter)", () => {
    const samples = Array.from({ length: 2_000 }, () => fullJitterDelay(3, DEFAULT_RETRY_POLICY));
    expect(Math.min(...samples)).toBeLessThan(100);
    expect(Math.max(...samples)).toBeGreaterThan(300);
    expect(Math.max(...samples)).toBeLessThan(400);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("120", now)).toBe(120_000);
  });

  it("reads an HTTP date, and a date in the past as 0", () => {
    expect(parseRetryAfter(new Date(now + 7_000).toUTCString(), now)).toBe(7_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 60_000).toUTCString(), now)).toBe(0);
    // The two obsolete forms HTTP/1.1 still asks recipients to read.
    expect(parseRetryAfter("Thursday, 01-Jan-26 12:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Thu Jan  1 12:00:20 2026", now + new Date(now).getTimezoneOffset() * 60_000)).toBe(20_000);
  });

  it("ignores what is neither", () => {
    for (const value of [undefined, null, "", "soon", "-5", "1.5", "3s"]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});

describe("sleepTimeMs", () => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetryAfterMs: 20_000 };

  it("takes the server's Retry-After over its own backoff", () => {
    expect(sleepTimeMs(1, answered(503, { headers: { "retry-after": "2" } }), policy, () => 0.5)).toBe(2_000);
    expect(sleepTimeMs(1, answered(503), policy, () => 0.5)).toBe(50);
  });

  it("cuts a long Retry-After to maxRetryAfterMs", () => {
    expect(sleepTimeMs(1, answered(429, { headers: { "retry-after": "3600" } }), policy)).toBe(20_000);
  });

  it("uses backoff when nobody answered", () => {
    expect(sleepTimeMs(2, new TRPCClientError("fetch failed"), policy, () => 0.5)).toBe(100);
  });
});

describe("shouldRetry: the retry table", () => {
  it.each([408, 425, 429, 500, 502, 503, 504])("retries %i", (status) => {
    expect(shouldRetry(answered(status))).toBe(true);
  });

  it("retries the 409 that says the first request with the key is still running", () => {
    expect(shouldRetry(answered(409, { oncelyCode: "idempotency_key_in_progress" }))).toBe(true);
  });

  it.each([400, 401, 403, 404, 405, 412, 413, 422, 501])("never retries %i", (status) => {
    expect(shouldRetry(answered(status))).toBe(false);
  });

  it("never retries another 409 or a business error", () => {
    expect(shouldRetry(answered(409, { oncelyCode: "version_conflict" }))).toBe(false);
    expect(shouldRetry(answered(422, { oncelyCode: "insufficient_funds" }))).toBe(false);
    expect(shouldRetry(answered(422, { oncelyCode: "idempotency_key_reused" }))).toBe(false);
  });

  it("retries when there was no answer at all", () => {
    expect(shouldRetry(new TRPCClientError("fetch failed", { cause: new TypeError("fetch failed") }))).toBe(true);
    expect(shouldRetry(new Error("socket hang up"))).toBe(true);
  });
});
