import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ObservedRequest } from "../src/http/observe";
import { accountsOf, type DemoAccounts, startTestApi, type TestApi } from "./harness";

// What createNodeHandler's onRequest reports per request: the outcome the client saw, read
// from what the API sends (Idempotent-Replayed, oncelyCode) and the engine's points.

let api: TestApi;
let alice: DemoAccounts;
const seen: ObservedRequest[] = [];

beforeAll(async () => {
  api = await startTestApi({ onRequest: (request) => seen.push(request) });
  alice = await accountsOf(api, "alice");
});
afterAll(() => api.close());
beforeEach(() => {
  seen.length = 0;
});

/** The report of the next request (reports come once the answer is sent). */
async function nextReport(): Promise<ObservedRequest> {
  await expect.poll(() => seen.length).toBeGreaterThan(0);
  const report = seen.shift();
  if (!report) throw new Error("no report");
  return report;
}

const order = (amount: number, description = "observed") => ({
  accountId: alice.checking,
  amount,
  currency: "USD",
  description,
});

describe("onRequest", () => {
  it("reports an execution, then its replay, with principal, key and X-Request-Id", async () => {
    const key = randomUUID();
    const first = await api.mutate("orders.create", order(101), {
      idempotencyKey: key,
      headers: { "x-request-id": "attempt-1" },
    });
    expect(first.status).toBe(200);
    const executed = await nextReport();
    expect(executed).toMatchObject({
      method: "POST",
      calls: [{ path: "orders.create", known: true, outcome: "executed", code: null }],
      status: 200,
      principalId: api.principals.alice,
      idempotencyKey: key,
      replayed: false,
      requestId: "attempt-1",
      aborted: false,
    });
    expect(executed.handlerMs).toBeGreaterThanOrEqual(0);
    expect(executed.durationMs).toBeGreaterThanOrEqual(executed.handlerMs ?? 0);

    await api.mutate("orders.create", order(101), { idempotencyKey: key, headers: { "x-request-id": "attempt-2" } });
    expect(await nextReport()).toMatchObject({
      calls: [{ path: "orders.create", outcome: "replayed" }],
      status: 200,
      replayed: true,
      requestId: "attempt-2",
      handlerMs: null,
    });
  });

  it("tells a reused key (422) and bad or missing keys (400) apart", async () => {
    const key = randomUUID();
    await api.mutate("orders.create", order(102), { idempotencyKey: key });
    await nextReport();
    await api.mutate("orders.create", order(103), { idempotencyKey: key });
    expect(await nextReport()).toMatchObject({
      calls: [{ outcome: "key_reused", code: "idempotency_key_reused" }],
      status: 422,
    });
    await api.mutate("orders.create", order(104), { idempotencyKey: "has space" });
    expect(await nextReport()).toMatchObject({
      calls: [{ outcome: "invalid_key", code: "idempotency_key_invalid" }],
      status: 400,
      idempotencyKey: "has space",
    });
    await api.mutate("orders.create", order(105), { idempotencyKey: null });
    expect(await nextReport()).toMatchObject({
      calls: [{ outcome: "invalid_key", code: "idempotency_key_missing" }],
      status: 400,
      idempotencyKey: null,
    });
  });

  it("reports a stored business error, and its replay as a replay", async () => {
    const key = randomUUID();
    const tooMuch = { fromAccountId: alice.savings, toAccountId: alice.checking, amount: 500_000, currency: "USD" };
    await api.mutate("transfers.create", tooMuch, { idempotencyKey: key });
    expect(await nextReport()).toMatchObject({
      calls: [{ path: "transfers.create", outcome: "business_error", code: "insufficient_funds" }],
      status: 422,
      replayed: false,
    });
    await api.mutate("transfers.create", tooMuch, { idempotencyKey: key });
    expect(await nextReport()).toMatchObject({
      calls: [{ outcome: "replayed", code: "insufficient_funds" }],
      status: 422,
      replayed: true,
    });
  });

  it("reports refusals without a principal, unknown paths as unknown, and each call of a batch", async () => {
    await api.query("accounts.list", undefined, { apiKey: "sk_test_nobody" });
    expect(await nextReport()).toMatchObject({
      calls: [{ path: "accounts.list", outcome: "rejected", code: "unauthenticated" }],
      status: 401,
      principalId: null,
    });

    await api.query("accounts.nope");
    expect(await nextReport()).toMatchObject({
      calls: [{ path: "accounts.nope", known: false, outcome: "rejected", code: "NOT_FOUND" }],
      status: 404,
    });

    const batch = await fetch(`${api.url}/accounts.list,orders.list?batch=1&input=${encodeURIComponent("{}")}`, {
      headers: { authorization: "Bearer sk_test_alice" },
    });
    expect(batch.status).toBe(200);
    expect((await nextReport()).calls).toEqual([
      { path: "accounts.list", known: true, outcome: "executed", code: null },
      { path: "orders.list", known: true, outcome: "executed", code: null },
    ]);
  });

  it("never reports the API key or anything of the body", async () => {
    const marker = `secret-description-${randomUUID()}`;
    await api.mutate("orders.create", order(106, marker), { idempotencyKey: randomUUID() });
    const report = JSON.stringify(await nextReport());
    expect(report).toContain("orders.create");
    expect(report).not.toContain(marker);
    expect(report).not.toContain("sk_test_alice");
  });
});
