import { randomUUID } from "node:crypto";
import { assertIdempotent } from "@oncely/idempotency/testing";
import { describe, expect, it } from "vitest";
import { checkInvariants } from "../src/domain/invariants";
import {
  accountsOf,
  as,
  balanceOf,
  createPayment,
  type DemoAccounts,
  dataOf,
  snapshotOf,
  type TestApi,
  useLedgerApi,
  visible,
} from "./harness";

let api: TestApi;
let alice: DemoAccounts;
useLedgerApi((started) => ({ api, alice } = started));

describe("refunds.create", () => {
  it("refunds part of a payment once, however often and however concurrently it is retried", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 1_000 });
    const checking = await balanceOf(api, alice.checking);
    const merchant = await balanceOf(api, alice.merchant);
    const key = randomUUID();

    const first = await assertIdempotent({
      call: async () =>
        visible(await api.mutate("refunds.create", { paymentId: payment.id, amount: 400 }, { idempotencyKey: key })),
      snapshot: () => snapshotOf(api),
    });

    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).result.data).toMatchObject({ paymentId: payment.id, amount: 400, currency: "USD" });
    expect(await balanceOf(api, alice.checking)).toBe(checking + 400);
    expect(await balanceOf(api, alice.merchant)).toBe(merchant - 400);
    expect(dataOf(await api.query("payments.get", { paymentId: payment.id }))).toMatchObject({
      refundedAmount: 400,
      status: "partially_refunded",
    });
  });

  it("refunds the rest in full, then stores and replays the over-refund error, writing nothing", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 900 });
    dataOf(
      await api.mutate("refunds.create", { paymentId: payment.id, amount: 300 }, { idempotencyKey: randomUUID() }),
    );
    dataOf(
      await api.mutate("refunds.create", { paymentId: payment.id, amount: 600 }, { idempotencyKey: randomUUID() }),
    );
    expect(dataOf(await api.query("payments.get", { paymentId: payment.id }))).toMatchObject({
      refundedAmount: 900,
      status: "refunded",
    });

    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const key = randomUUID();
    const over = await assertIdempotent({
      call: async () =>
        visible(await api.mutate("refunds.create", { paymentId: payment.id, amount: 1 }, { idempotencyKey: key })),
      snapshot: () => snapshotOf(api),
    });
    expect(over.status).toBe(422);
    const error = JSON.parse(over.body).error;
    expect(error.data.oncelyCode).toBe("refund_exceeds_payment");
    expect(error.message).toContain("0 USD left to refund");
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
  });

  it("lets 10 concurrent refunds with distinct keys refund at most the payment", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 1_000 });
    const checking = await balanceOf(api, alice.checking);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.mutate("refunds.create", { paymentId: payment.id, amount: 150 }, { idempotencyKey: randomUUID() }),
      ),
    );
    // 6 × 150 = 900 fit in 1000; the other four would exceed it, whatever order they ran in.
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(ok).toHaveLength(6);
    expect(refused).toHaveLength(4);
    for (const r of refused) {
      expect(r.status).toBe(422);
      expect(r.json.error.data.oncelyCode).toBe("refund_exceeds_payment");
    }
    const [sum] = await api.database.sql`
      SELECT coalesce(sum(amount), 0)::int AS refunded, count(*)::int AS n FROM refunds WHERE payment_id = ${payment.id}`;
    expect(sum).toEqual({ refunded: 900, n: 6 });
    expect(dataOf(await api.query("payments.get", { paymentId: payment.id })).refundedAmount).toBe(900);
    expect(await balanceOf(api, alice.checking)).toBe(checking + 900);
  });

  it("is watched by checkInvariants: refunds must add up to the payment's refunded amount", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 50 });
    dataOf(await api.mutate("refunds.create", { paymentId: payment.id, amount: 20 }, { idempotencyKey: randomUUID() }));
    await api.database.sql`UPDATE payments SET refunded_amount = 10 WHERE id = ${payment.id}`;
    try {
      expect(await checkInvariants(api.database.db)).toEqual([
        {
          invariant: "refunds_within_payment",
          detail: { payment_id: payment.id, amount: "50", refunded_amount: "10", refunds: "20" },
        },
      ]);
    } finally {
      await api.database.sql`UPDATE payments SET refunded_amount = 20 WHERE id = ${payment.id}`;
    }
  });

  it("stores insufficient funds when the merchant has already moved the money out", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 500 });
    const merchant = await balanceOf(api, alice.merchant);
    dataOf(
      await api.mutate(
        "transfers.create",
        { fromAccountId: alice.merchant, toAccountId: alice.savings, amount: merchant, currency: "USD" },
        { idempotencyKey: randomUUID() },
      ),
    );
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const response = await api.mutate(
      "refunds.create",
      { paymentId: payment.id, amount: 500 },
      { idempotencyKey: randomUUID() },
    );
    expect(response.status).toBe(422);
    expect(response.json.error.data.oncelyCode).toBe("insufficient_funds");
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
    expect(dataOf(await api.query("payments.get", { paymentId: payment.id })).refundedAmount).toBe(0);
  });

  it("hides another principal's payment as 404 and stores nothing", async () => {
    const bob = await accountsOf(api, "bob");
    const bobs = await createPayment(api, { accountId: bob.checking, amount: 100 }, "bob");
    const before = await snapshotOf(api);
    const response = await api.mutate(
      "refunds.create",
      { paymentId: bobs.id, amount: 10 },
      { idempotencyKey: randomUUID() },
    );
    expect(response.status).toBe(404);
    expect(response.json.error.data.oncelyCode).toBe("payment_not_found");
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe("refunds.list", () => {
  it("lists one payment's refunds newest first, pages without repeats, and scopes to the principal", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 100 });
    const made = [];
    for (const amount of [10, 20, 30]) {
      made.push(
        dataOf(await api.mutate("refunds.create", { paymentId: payment.id, amount }, { idempotencyKey: randomUUID() })),
      );
    }
    const first = dataOf(await api.query("refunds.list", { paymentId: payment.id, limit: 2 }));
    expect(first.items.map((r: { amount: number }) => r.amount)).toEqual([30, 20]);
    const second = dataOf(
      await api.query("refunds.list", { paymentId: payment.id, limit: 2, cursor: first.nextCursor }),
    );
    expect(second).toEqual({ items: [made[0]], nextCursor: null });

    const all = dataOf(await api.query("refunds.list", { limit: 100 }));
    const [count] = await api.database.sql`
      SELECT count(*)::int AS n FROM refunds WHERE principal_id = ${api.principals.alice}`;
    expect(all.items).toHaveLength(count?.n);

    const bobs = await api.query("refunds.list", { paymentId: payment.id }, as("bob"));
    expect(bobs.status).toBe(404);
    expect(bobs.json.error.data.oncelyCode).toBe("payment_not_found");
    expect(dataOf(await api.query("refunds.list", undefined, as("bob"))).items).toEqual([]);
  });
});
