import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants } from "../src/domain/invariants";
import { accountsOf, type CallResult, type DemoAccounts, startTestApi, type TestApi } from "./harness";

/**
 * Property: any sequence of orders, payments, refunds, transfers and cancels, each sent with
 * random duplicate retries (one after another and several at once), leaves the books exactly
 * as if every logical operation had been applied once, in order, by a simple in-memory model;
 * and checkInvariants finds nothing wrong.
 */

let api: TestApi;
let alice: DemoAccounts;

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
});
afterAll(() => api.close());

type Role = "checking" | "savings" | "merchant";
type Op =
  | { kind: "createOrder"; account: "checking" | "savings"; amount: number }
  | { kind: "pay"; order: number }
  | { kind: "refund"; payment: number; amount: number }
  | { kind: "transfer"; from: Role; to: Role; amount: number }
  | { kind: "cancel"; order: number };
/** How one logical operation reaches the server: `concurrent` copies at once, then `retries` more. */
interface Delivery {
  concurrent: number;
  retries: number;
}

const roles: Role[] = ["checking", "savings", "merchant"];
// Weighted so that most scripts create orders early enough for pays, refunds and cancels to matter.
const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("createOrder" as const),
      account: fc.constantFrom("checking" as const, "savings" as const),
      amount: fc.integer({ min: 1, max: 120_000 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pay" as const), order: fc.nat({ max: 7 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("refund" as const),
      payment: fc.nat({ max: 7 }),
      amount: fc.integer({ min: 1, max: 60_000 }),
    }),
  },
  fc
    .record({
      kind: fc.constant("transfer" as const),
      from: fc.constantFrom(...roles),
      shift: fc.integer({ min: 1, max: 2 }),
      amount: fc.integer({ min: 1, max: 200_000 }),
    })
    .map(({ from, shift, amount }): Op => {
      const to = roles[(roles.indexOf(from) + shift) % roles.length] as Role;
      return { kind: "transfer", from, to, amount };
    }),
  fc.record({ kind: fc.constant("cancel" as const), order: fc.nat({ max: 7 }) }),
);
const deliveryArbitrary: fc.Arbitrary<Delivery> = fc.record({
  concurrent: fc.integer({ min: 1, max: 3 }),
  retries: fc.integer({ min: 0, max: 2 }),
});

interface Model {
  balances: Record<Role, number>;
  orders: { id: string; account: Role; amount: number; status: "pending" | "paid" | "cancelled" }[];
  payments: { id: string; account: Role; amount: number; refunded: number }[];
  applied: { orders: number; payments: number; refunds: number; transfers: number; keys: number; emails: number };
}

type Expected = { status: 200 } | { status: number; code: string };

/** What the server must answer, decided by the model alone (operations are logically sequential). */
function expectedOutcome(model: Model, op: Op): Expected | "skip" {
  switch (op.kind) {
    case "createOrder":
      return { status: 200 };
    case "pay": {
      const order = model.orders[op.order % Math.max(model.orders.length, 1)];
      if (!order) return "skip";
      if (order.status === "paid") return { status: 422, code: "order_already_paid" };
      if (order.status === "cancelled") return { status: 422, code: "order_cancelled" };
      if (model.balances[order.account] < order.amount) return { status: 422, code: "insufficient_funds" };
      return { status: 200 };
    }
    case "refund": {
      const payment = model.payments[op.payment % Math.max(model.payments.length, 1)];
      if (!payment) return "skip";
      if (op.amount > payment.amount - payment.refunded) return { status: 422, code: "refund_exceeds_payment" };
      if (model.balances.merchant < op.amount) return { status: 422, code: "insufficient_funds" };
      return { status: 200 };
    }
    case "transfer":
      return model.balances[op.from] < op.amount ? { status: 422, code: "insufficient_funds" } : { status: 200 };
    case "cancel": {
      const order = model.orders[op.order % Math.max(model.orders.length, 1)];
      if (!order) return "skip";
      return order.status === "paid" ? { status: 422, code: "order_already_paid" } : { status: 200 };
    }
  }
}

/** Applies a successful operation to the model, using the ids the server gave. */
function apply(model: Model, op: Op, data: { id: string }): void {
  switch (op.kind) {
    case "createOrder":
      model.orders.push({ id: data.id, account: op.account, amount: op.amount, status: "pending" });
      model.applied.orders++;
      model.applied.emails++;
      return;
    case "pay": {
      const order = model.orders[op.order % model.orders.length];
      if (!order) return;
      order.status = "paid";
      model.balances[order.account] -= order.amount;
      model.balances.merchant += order.amount;
      model.payments.push({ id: data.id, account: order.account, amount: order.amount, refunded: 0 });
      model.applied.payments++;
      model.applied.emails++;
      return;
    }
    case "refund": {
      const payment = model.payments[op.payment % model.payments.length];
      if (!payment) return;
      payment.refunded += op.amount;
      model.balances.merchant -= op.amount;
      model.balances[payment.account] += op.amount;
      model.applied.refunds++;
      return;
    }
    case "transfer":
      model.balances[op.from] -= op.amount;
      model.balances[op.to] += op.amount;
      model.applied.transfers++;
      return;
    case "cancel": {
      const order = model.orders[op.order % model.orders.length];
      if (order && order.status === "pending") order.status = "cancelled";
      return;
    }
  }
}

/** The request of one logical operation: one key for all its copies (cancel needs none). */
function requestFor(model: Model, op: Op): () => Promise<CallResult> {
  const key = { idempotencyKey: randomUUID() };
  const order = () => model.orders[(op as { order: number }).order % model.orders.length]?.id;
  switch (op.kind) {
    case "createOrder":
      return () =>
        api.mutate("orders.create", { accountId: alice[op.account], amount: op.amount, currency: "USD" }, key);
    case "pay": {
      const orderId = order();
      return () => api.mutate("payments.create", { orderId }, key);
    }
    case "refund": {
      const paymentId = model.payments[op.payment % model.payments.length]?.id;
      return () => api.mutate("refunds.create", { paymentId, amount: op.amount }, key);
    }
    case "transfer":
      return () =>
        api.mutate(
          "transfers.create",
          { fromAccountId: alice[op.from], toAccountId: alice[op.to], amount: op.amount, currency: "USD" },
          key,
        );
    case "cancel": {
      const orderId = order();
      return () => api.mutate("orders.cancel", { orderId });
    }
  }
}

/** A 409 means "the first copy is still running, come back": what the SDK does, minus the sleep policy. */
async function answered(send: () => Promise<CallResult>): Promise<CallResult> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const result = await send();
    if (result.status !== 409) return result;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error("still 409 after 100 attempts");
}

async function deliver(send: () => Promise<CallResult>, delivery: Delivery): Promise<CallResult[]> {
  const results = await Promise.all(Array.from({ length: delivery.concurrent }, () => answered(send)));
  for (let i = 0; i < delivery.retries; i++) results.push(await answered(send));
  return results;
}

async function databaseCounts() {
  const [row] = await api.database.sql`
    SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM payments)::int AS payments,
           (SELECT count(*) FROM refunds)::int AS refunds, (SELECT count(*) FROM transfers)::int AS transfers,
           (SELECT count(*) FROM oncely_idempotency_keys)::int AS keys, (SELECT count(*) FROM outbox_messages)::int AS emails`;
  return row as Model["applied"];
}

async function balances(): Promise<Record<Role, number>> {
  const rows = await api.database.sql<{ id: string; balance: string }[]>`
    SELECT id, balance::text FROM accounts WHERE id IN ${api.database.sql([alice.checking, alice.savings, alice.merchant])}`;
  const of = (id: string) => Number(rows.find((r) => r.id === id)?.balance);
  return { checking: of(alice.checking), savings: of(alice.savings), merchant: of(alice.merchant) };
}

describe("random operation sequences with duplicate and concurrent retries", () => {
  it("apply each logical operation once and keep every invariant", async () => {
    let runs = 0;
    let requests = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(opArbitrary, deliveryArbitrary), { minLength: 8, maxLength: 24, size: "max" }),
        async (script) => {
          runs++;
          // Each run continues on the same database: the model starts from what is there now.
          const model: Model = {
            balances: await balances(),
            orders: [],
            payments: [],
            applied: { orders: 0, payments: 0, refunds: 0, transfers: 0, keys: 0, emails: 0 },
          };
          const before = await databaseCounts();

          for (const [op, delivery] of script) {
            const expected = expectedOutcome(model, op);
            if (expected === "skip") continue;
            const results = await deliver(requestFor(model, op), delivery);
            requests += results.length;
            const outcome = `${op.kind}:${"code" in expected ? expected.code : "ok"}`;
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            const [first] = results;
            if (!first) throw new Error("no answer");
            // Every copy of one logical operation got the same answer, byte for byte.
            for (const r of results)
              expect({ status: r.status, body: r.body }).toEqual({ status: first.status, body: first.body });
            if ("code" in expected) {
              expect({ status: first.status, code: first.json.error?.data?.oncelyCode }).toEqual(expected);
            } else {
              expect(first.status, first.body).toBe(200);
              apply(model, op, first.json.result.data);
            }
            if (op.kind !== "cancel") model.applied.keys++; // stored: successes and business errors alike
          }

          expect(await balances()).toEqual(model.balances);
          const after = await databaseCounts();
          const delta = Object.fromEntries(
            Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]),
          );
          expect(delta).toEqual(model.applied);
          expect(await checkInvariants(api.database.db)).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
    expect(runs).toBeGreaterThanOrEqual(25);
    // The script exercised the paths it is about, not only the trivial ones.
    for (const outcome of ["pay:ok", "refund:ok", "transfer:ok", "cancel:ok", "pay:order_already_paid"]) {
      expect(outcomes.get(outcome), outcome).toBeGreaterThan(0);
    }
    console.log(`properties: ${runs} runs, ${requests} requests`, Object.fromEntries([...outcomes].sort()));
  });
});
