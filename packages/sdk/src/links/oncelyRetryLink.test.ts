import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { errorReply, ok, type Reply, scriptedClient } from "../../test/scriptedFetch";
import type { AttemptEvent } from "../callMeta";
import { OncelyError } from "../errors";
import type { OncelyCallContext } from "../operationContext";
import { RetryBudget } from "../retryBudget";

/** Follows a promise without awaiting it, so a test can look at it between clock ticks. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: OncelyError } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: OncelyError) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const keysOf = (requests: { headers: Headers }[]) => requests.map((r) => r.headers.get("idempotency-key"));
const gaps = (requests: { at: number }[]) => requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0));

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(Date.UTC(2026, 0, 1, 12, 0, 0));
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("what is retried", () => {
  it.each<[string, Reply]>([
    ["408", errorReply(408)],
    ["425", errorReply(425)],
    ["429", errorReply(429)],
    ["500", errorReply(500)],
    ["502", errorReply(502)],
    ["503", errorReply(503)],
    ["504", errorReply(504)],
    ["409 still in progress", errorReply(409, "idempotency_key_in_progress")],
    ["a network error", "network-error"],
    ["a proxy's HTML 502", { status: 502, text: "<h1>Bad Gateway</h1>" }],
  ])("retries %s with the same key and returns the answer", async (_name, failure) => {
    const { client, requests } = scriptedClient([failure, ok({ paid: 5 })]);
    const call = track(client.pay.mutate({ amount: 5 }));
    await vi.runAllTimersAsync();
    expect(call.value).toEqual({ paid: 5 });
    expect(requests).toHaveLength(2);
    const [first, second] = keysOf(requests);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toBe(first);
  });

  it.each<[string, Reply, number, string | undefined]>([
    ["400", errorReply(400), 400, undefined],
    ["401", errorReply(401), 401, undefined],
    ["403", errorReply(403), 403, undefined],
    ["404", errorReply(404, "order_not_found"), 404, "order_not_found"],
    ["another 409", errorReply(409, "version_conflict"), 409, "version_conflict"],
    ["412", errorReply(412), 412, undefined],
    ["422 key reused", errorReply(422, "idempotency_key_reused"), 422, "idempotency_key_reused"],
    ["a business error", errorReply(422, "insufficient_funds"), 422, "insufficient_funds"],
  ])("never retries %s", async (_name, failure, httpStatus, serverCode) => {
    const { client, requests } = scriptedClient([failure]);
    const call = track(client.pay.mutate({ amount: 5 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(1);
    expect(call.error).toBeInstanceOf(OncelyError);
    expect(call.error).toMatchObject({
      code: "server_error",
      httpStatus,
      serverCode,
      attempts: 1,
      retryable: false,
      key: keysOf(requests)[0],
    });
  });

  it("gives up after maxRetries with the last answer, still retryable with the same key", async () => {
    const { client, requests } = scriptedClient(Array(10).fill(errorReply(503)));
    const call = track(client.pay.mutate({ amount: 5 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(5);
    expect(new Set(keysOf(requests)).size).toBe(1);
    expect(call.error).toMatchObject({ code: "server_error", httpStatus: 503, attempts: 5, retryable: true });
  });

  it.each([0, 1, 2, 6])("sends maxRetries + 1 attempts at most (maxRetries %i)", async (maxRetries) => {
    const { client, requests } = scriptedClient(Array(10).fill(errorReply(502)), { policy: { maxRetries } });
    const call = track(client.pay.mutate({ amount: 5 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(maxRetries + 1);
    expect(call.error).toMatchObject({ code: "server_error", attempts: maxRetries + 1 });
  });

  it("does not retry queries unless asked, and queries carry no key", async () => {
    const plain = scriptedClient([errorReply(503)]);
    const failed = track(plain.client.ping.query());
    await vi.runAllTimersAsync();
    expect(failed.error).toMatchObject({ name: "OncelyError", code: "server_error", attempts: 1 });
    expect(plain.requests).toHaveLength(1);
    expect(plain.requests[0]?.headers.get("idempotency-key")).toBeNull();

    const retrying = scriptedClient([errorReply(503), ok("pong")], { retryQueries: true });
    const answered = track(retrying.client.ping.query());
    await vi.runAllTimersAsync();
    expect(answered.value).toBe("pong");
    expect(retrying.requests).toHaveLength(2);
  });

  it("takes per-call overrides from the context", async () => {
    const { client, requests } = scriptedClient([errorReply(503), ok({ paid: 1 })]);
    const call = track(client.pay.mutate({ amount: 1 }, { context: { retry: { maxRetries: 0 } } }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(1);
    expect(call.error).toMatchObject({ code: "server_error", attempts: 1, retryable: true });
  });

  it("sends the same key on every attempt, whatever fails in between (property)", async () => {
    const failure = fc.constantFrom<Reply>(
      "network-error",
      errorReply(503),
      errorReply(429, undefined, { "retry-after": "1" }),
      errorReply(409, "idempotency_key_in_progress"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(failure, { maxLength: 4 }), async (failures) => {
        const { client, requests } = scriptedClient([...failures, ok({ paid: 9 })]);
        const call = track(client.pay.mutate({ amount: 9 }));
        await vi.runAllTimersAsync();
        expect(call.value).toEqual({ paid: 9 });
        expect(requests).toHaveLength(failures.length + 1);
        expect(new Set(keysOf(requests)).size).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});

describe("how long it waits", () => {
  it("backs off with full jitter: uniform below 100, 200, 400 ms", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { client, requests } = scriptedClient([errorReply(503), errorReply(503), errorReply(503)]);
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(gaps(requests)).toEqual([50, 100, 200]);
  });

  it("waits a Retry-After given in seconds, not a millisecond less", async () => {
    const { client, requests } = scriptedClient([errorReply(503, undefined, { "retry-after": "2" })]);
    const call = track(client.pay.mutate({ amount: 1 }));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
    await vi.runAllTimersAsync();
    expect(call.value).toBeDefined();
  });

  it("waits a Retry-After given as an HTTP date", async () => {
    const in3s = new Date(Date.now() + 3_000).toUTCString();
    const { client, requests } = scriptedClient([errorReply(429, undefined, { "retry-after": in3s })]);
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(gaps(requests)).toEqual([3_000]);
  });

  it("cuts a long Retry-After to maxRetryAfterMs", async () => {
    const { client, requests } = scriptedClient([errorReply(503, undefined, { "retry-after": "3600" })], {
      policy: { maxRetryAfterMs: 4_000 },
    });
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(gaps(requests)).toEqual([4_000]);
  });

  it("honours Retry-After on a proxy's non-JSON 503", async () => {
    const { client, requests } = scriptedClient([
      { status: 503, text: "Service Unavailable", headers: { "retry-after": "1" } },
    ]);
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(gaps(requests)).toEqual([1_000]);
  });

  it("abandons an attempt after attemptTimeoutMs and retries it with the same key", async () => {
    const events: AttemptEvent[] = [];
    const { client, requests } = scriptedClient(["hang", ok({ paid: 2 })], {
      policy: { attemptTimeoutMs: 1_000 },
      onAttempt: (event) => events.push(event),
    });
    vi.spyOn(Math, "random").mockReturnValue(0);
    const call = track(client.pay.mutate({ amount: 2 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(2);
    await vi.runAllTimersAsync();
    expect(call.value).toEqual({ paid: 2 });
    expect(events).toHaveLength(1);
    expect(new Set(keysOf(requests)).size).toBe(1);
  });

  it("fails with code 'timeout' when every attempt times out", async () => {
    const { client, requests } = scriptedClient(Array(5).fill("hang"), { policy: { attemptTimeoutMs: 500 } });
    const call = track(client.pay.mutate({ amount: 2 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(5);
    expect(call.error).toMatchObject({ code: "timeout", attempts: 5, retryable: true });
  });

  it("stops at the deadline instead of sleeping past it", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.99);
    const { client, requests } = scriptedClient(Array(20).fill(errorReply(503)), {
      policy: { deadlineMs: 1_000, baseDelayMs: 400, maxRetries: 10 },
    });
    const start = Date.now();
    const call = track(client.pay.mutate({ amount: 1 }));
    // Attempt 1 at 0, wait 396, attempt 2 at 396; the next wait (792) would end after 1000.
    await vi.advanceTimersByTimeAsync(396);
    expect(requests).toHaveLength(2);
    expect(call.settled).toBe(true);
    expect(call.error).toMatchObject({ code: "server_error", httpStatus: 503, attempts: 2, retryable: true });
    expect(Date.now() - start).toBe(396);
  });

  it("cuts an attempt that would run past the deadline", async () => {
    const { client, requests } = scriptedClient(["hang"], { policy: { deadlineMs: 3_000, attemptTimeoutMs: 10_000 } });
    const call = track(client.pay.mutate({ amount: 1 }));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(call.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(call.error).toMatchObject({ code: "timeout", attempts: 1 });
    expect(requests).toHaveLength(1);
  });
});

describe("the retry budget", () => {
  it("fails fast with 'retry_budget_exhausted' once the client's bucket is empty", async () => {
    const { client, requests } = scriptedClient(Array(20).fill(errorReply(503)), { retryBudget: { capacity: 10 } });
    const first = track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    // Two retries (5 tokens each) empty the bucket; the third is refused.
    expect(requests).toHaveLength(3);
    expect(first.error).toMatchObject({
      code: "retry_budget_exhausted",
      attempts: 3,
      httpStatus: 503,
      retryable: true,
    });

    const second = track(client.pay.mutate({ amount: 2 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(4);
    expect(second.error).toMatchObject({ code: "retry_budget_exhausted", attempts: 1 });
  });

  it("is shared by the client's calls and refills as calls succeed", async () => {
    const budget = new RetryBudget({ capacity: 10 });
    const { client } = scriptedClient([errorReply(503), errorReply(503), ok({ paid: 1 })], { retryBudget: budget });
    const drained = track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(drained.value).toEqual({ paid: 1 });
    // 10 - 5 - 5, then the success gives back its last retry's 5.
    expect(budget.available).toBe(5);
    for (let i = 0; i < 3; i++) {
      track(client.pay.mutate({ amount: 1 }));
      await vi.runAllTimersAsync();
    }
    expect(budget.available).toBe(8);
  });

  it("charges a retry after a timeout double", async () => {
    const budget = new RetryBudget({ capacity: 100 });
    const seen: number[] = [];
    const { client } = scriptedClient(["hang", errorReply(503)], {
      retryBudget: budget,
      policy: { attemptTimeoutMs: 100 },
      onAttempt: () => seen.push(budget.available),
    });
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(seen).toEqual([90, 85]);
  });

  it("can be turned off", async () => {
    const { client, requests } = scriptedClient(Array(20).fill(errorReply(503)), {
      retryBudget: false,
      policy: { maxRetries: 8 },
    });
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(9);
  });
});

describe("the caller's AbortSignal", () => {
  it("stops the wait between attempts at once", async () => {
    const controller = new AbortController();
    const { client, requests } = scriptedClient([errorReply(503, undefined, { "retry-after": "10" })]);
    const call = track(client.pay.mutate({ amount: 1 }, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(call.settled).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.error).toMatchObject({ name: "OncelyError", code: "aborted", attempts: 1, retryable: false });
    expect(call.error?.key).toBe(keysOf(requests)[0]);
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(1);
  });

  it("stops the attempt in flight", async () => {
    const controller = new AbortController();
    const { client, requests } = scriptedClient(["hang", ok({ paid: 1 })]);
    const call = track(client.pay.mutate({ amount: 1 }, { signal: controller.signal }));
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(call.error).toMatchObject({ code: "aborted", attempts: 1 });
    await vi.runAllTimersAsync();
    expect(requests).toHaveLength(1);
  });

  it("sends nothing when already aborted", async () => {
    const { client, requests } = scriptedClient([]);
    const call = track(client.pay.mutate({ amount: 1 }, { signal: AbortSignal.abort() }));
    await vi.runAllTimersAsync();
    expect(call.error).toMatchObject({ code: "aborted", attempts: 0 });
    expect(requests).toHaveLength(0);
  });
});

describe("keys and reports", () => {
  it("sends the caller's own key on every attempt", async () => {
    const { client, requests } = scriptedClient([errorReply(503), "network-error"]);
    const call = track(client.pay.mutate({ amount: 1 }, { context: { idempotencyKey: "checkout-42" } }));
    await vi.runAllTimersAsync();
    expect(call.value).toBeDefined();
    expect(keysOf(requests)).toEqual(["checkout-42", "checkout-42", "checkout-42"]);
  });

  it("refuses a caller's key the server would refuse, sending nothing", async () => {
    const { client, requests } = scriptedClient([]);
    const call = track(client.pay.mutate({ amount: 1 }, { context: { idempotencyKey: "two words" } }));
    await vi.runAllTimersAsync();
    expect(call.error).toBeInstanceOf(OncelyError);
    expect(call.error).toMatchObject({ code: "invalid_idempotency_key", attempts: 0 });
    expect(requests).toHaveLength(0);
  });

  it("gives each logical mutation its own key", async () => {
    const { client, requests } = scriptedClient([]);
    track(client.pay.mutate({ amount: 1 }));
    track(client.pay.mutate({ amount: 1 }));
    await vi.runAllTimersAsync();
    const [a, b] = keysOf(requests);
    expect(a).not.toBe(b);
  });

  it("reports each retried attempt to the client's and the call's onAttempt", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const clientEvents: AttemptEvent[] = [];
    const callEvents: AttemptEvent[] = [];
    const { client, requests } = scriptedClient([errorReply(503), errorReply(502)], {
      onAttempt: (event) => clientEvents.push(event),
    });
    const context: OncelyCallContext = { onAttempt: (event) => callEvents.push(event) };
    track(client.pay.mutate({ amount: 1 }, { context }));
    await vi.runAllTimersAsync();
    const key = keysOf(requests)[0];
    expect(clientEvents.map(({ path, attempt, delayMs }) => ({ path, attempt, delayMs }))).toEqual([
      { path: "pay", attempt: 1, delayMs: 50 },
      { path: "pay", attempt: 2, delayMs: 100 },
    ]);
    expect(clientEvents.every((event) => event.key === key)).toBe(true);
    expect(callEvents).toEqual(clientEvents);
  });
});
