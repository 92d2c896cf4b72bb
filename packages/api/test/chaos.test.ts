import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CHAOS_HEADER, chaosSettings, setChaosSettings } from "../src/demo/chaos";
import { checkInvariants } from "../src/domain/invariants";
import { accountsOf, as, createOrder, type DemoAccounts, dataOf, startTestApi, type TestApi } from "./harness";

// Demo mode is decided when the API loads: this file loads it in demo mode (then switches it
// off and on per test, which the chaos layer also checks on every call).
const demoBefore = vi.hoisted(() => {
  const before = process.env.ONCELY_DEMO;
  process.env.ONCELY_DEMO = "1";
  return before;
});
let api: TestApi;
let alice: DemoAccounts;

function demoMode(on: boolean) {
  if (on) process.env.ONCELY_DEMO = "1";
  else delete process.env.ONCELY_DEMO;
}

const calm = { failBeforeCommit: 0, dropResponses: 0, latencyMs: 0 };

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
});
afterEach(() => {
  demoMode(true);
  setChaosSettings(api.principals.alice, calm);
  setChaosSettings(api.principals.bob, calm);
  demoMode(demoBefore === "1");
});
afterAll(async () => {
  expect(await checkInvariants(api.database.db)).toEqual([]);
  await api.close();
});

const paymentsOf = async (orderId: string) =>
  (await api.database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments WHERE order_id = ${orderId}`)[0]?.n;

describe("the chaos layer outside demo mode", () => {
  it("has no procedures: chaos.get and chaos.set are 404 chaos_unavailable", async () => {
    demoMode(false);
    const get = await api.query("chaos.get");
    expect(get.status).toBe(404);
    expect(get.json.error.data.oncelyCode).toBe("chaos_unavailable");
    const set = await api.mutate("chaos.set", { ...calm, failBeforeCommit: 3 }, { idempotencyKey: randomUUID() });
    expect(set.status).toBe(404);
    expect(set.json.error.data.oncelyCode).toBe("chaos_unavailable");
    expect(() => setChaosSettings(api.principals.alice, { ...calm, dropResponses: 1 })).toThrow(/demo mode/);
  });

  it("ignores faults left in memory once demo mode is off", async () => {
    demoMode(true);
    setChaosSettings(api.principals.alice, { failBeforeCommit: 5, dropResponses: 5, latencyMs: 0 });
    demoMode(false);
    const order = await createOrder(api, { accountId: alice.checking, amount: 300 });
    const paid = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() });
    expect(paid.status, paid.body).toBe(200);
    expect(paid.headers.get(CHAOS_HEADER)).toBeNull();
    expect(await paymentsOf(order.id)).toBe(1);
    demoMode(true);
    expect(chaosSettings(api.principals.alice)).toEqual({ failBeforeCommit: 5, dropResponses: 5, latencyMs: 0 });
  });
});

describe("the chaos layer in demo mode (ONCELY_DEMO=1)", () => {
  it("fails n executions in a row before the commit with 503 + Retry-After, saving nothing", async () => {
    demoMode(true);
    const set = await api.mutate("chaos.set", { ...calm, failBeforeCommit: 2 }, { idempotencyKey: randomUUID() });
    expect(dataOf(set)).toEqual({ ...calm, failBeforeCommit: 2 });
    const before = await api.count("orders");
    const key = randomUUID();
    const input = { accountId: alice.checking, amount: 1_234, currency: "USD" };

    for (const left of [1, 0]) {
      const failed = await api.mutate("orders.create", input, { idempotencyKey: key });
      expect(failed.status).toBe(503);
      expect(failed.headers.get("retry-after")).toBe("1");
      expect(failed.json.error.data.oncelyCode).toBe("chaos_failed_before_commit");
      expect(await api.count("orders")).toBe(before);
      expect(dataOf(await api.query("chaos.get"))).toEqual({ ...calm, failBeforeCommit: left });
    }
    const created = await api.mutate("orders.create", input, { idempotencyKey: key });
    expect(created.status, created.body).toBe(200);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
    expect(await api.count("orders")).toBe(before + 1);
  });

  it("drops the answer after the commit; the retry with the same key replays it", async () => {
    demoMode(true);
    const order = await createOrder(api, { accountId: alice.checking, amount: 500 });
    dataOf(await api.mutate("chaos.set", { ...calm, dropResponses: 1 }, { idempotencyKey: randomUUID() }));
    const key = randomUUID();

    const dropped = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key });
    expect(dropped.status).toBe(504);
    expect(dropped.headers.get(CHAOS_HEADER)).toBe("response-dropped");
    expect(dropped.json.error.data.oncelyCode).toBe("chaos_response_dropped");
    expect(await paymentsOf(order.id)).toBe(1);

    const retried = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key });
    expect(retried.status, retried.body).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(dataOf(retried).orderId).toBe(order.id);
    expect(await paymentsOf(order.id)).toBe(1);
  });

  it("drops a resend of the same attempt (same X-Request-Id) again, without using up another drop", async () => {
    demoMode(true);
    const order = await createOrder(api, { accountId: alice.checking, amount: 700 });
    dataOf(await api.mutate("chaos.set", { ...calm, dropResponses: 1 }, { idempotencyKey: randomUUID() }));
    const key = randomUUID();
    const attempt = (requestId: string) =>
      api.mutate(
        "payments.create",
        { orderId: order.id },
        { idempotencyKey: key, headers: { "x-request-id": requestId } },
      );

    expect((await attempt("attempt-1")).status).toBe(504);
    // A browser resending the same HTTP attempt on a fresh connection: the same fault.
    const resent = await attempt("attempt-1");
    expect(resent.status).toBe(504);
    expect(resent.headers.get("idempotent-replayed")).toBe("true");
    expect(dataOf(await api.query("chaos.get"))).toEqual(calm);
    // The client's own retry is a new attempt: it gets the stored answer.
    const retried = await attempt("attempt-2");
    expect(retried.status, retried.body).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(await paymentsOf(order.id)).toBe(1);
  });

  it("drops replays too while drops are left, and a stored business error like a success", async () => {
    demoMode(true);
    dataOf(await api.mutate("chaos.set", { ...calm, dropResponses: 2 }, { idempotencyKey: randomUUID() }));
    const key = randomUUID();
    const tooMuch = {
      fromAccountId: alice.savings,
      toAccountId: alice.checking,
      amount: 9_999_999_999,
      currency: "USD",
    };
    for (let i = 0; i < 2; i++) {
      const dropped = await api.mutate("transfers.create", tooMuch, { idempotencyKey: key });
      expect(dropped.status).toBe(504);
    }
    const answered = await api.mutate("transfers.create", tooMuch, { idempotencyKey: key });
    expect(answered.status).toBe(422);
    expect(answered.json.error.data.oncelyCode).toBe("insufficient_funds");
    expect(answered.headers.get("idempotent-replayed")).toBe("true");
  });

  it("touches only the principal who set it, and never queries or chaos.* calls", async () => {
    demoMode(true);
    dataOf(await api.mutate("chaos.set", { ...calm, failBeforeCommit: 1 }, { idempotencyKey: randomUUID() }));
    expect((await api.query("orders.list", { limit: 1 })).status).toBe(200);
    const [bobAccount] = await api.database.sql<{ id: string }[]>`
      SELECT id FROM accounts WHERE principal_id = ${api.principals.bob} AND name = 'Bob Checking'`;
    const bob = await api.mutate(
      "orders.create",
      { accountId: bobAccount?.id, amount: 100, currency: "USD" },
      as("bob", { idempotencyKey: randomUUID() }),
    );
    expect(bob.status, bob.body).toBe(200);
    expect(dataOf(await api.query("chaos.get"))).toEqual({ ...calm, failBeforeCommit: 1 });
  });

  it("refuses settings out of range", async () => {
    demoMode(true);
    const set = await api.mutate("chaos.set", { ...calm, latencyMs: 60_000 }, { idempotencyKey: randomUUID() });
    expect(set.status).toBe(400);
    expect(set.json.error.data.oncelyCode).toBe("invalid_input");
  });
});
