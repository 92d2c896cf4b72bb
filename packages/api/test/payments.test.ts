import { randomUUID } from "node:crypto";
import { assertIdempotent } from "@oncely/idempotency/testing";
import { describe, expect, it } from "vitest";
import {
  accountsOf,
  as,
  balanceOf,
  createOrder,
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

describe("payments.create", () => {
  it("charges the customer account once, credits the merchant, marks the order paid and replays", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 4_200 });
    const checking = await balanceOf(api, alice.checking);
    const merchant = await balanceOf(api, alice.merchant);
    const key = randomUUID();

    const first = await assertIdempotent({
      call: async () => visible(await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key })),
      snapshot: () => snapshotOf(api),
    });

    expect(first.status).toBe(200);
    const payment = JSON.parse(first.body).result.data;
    expect(payment).toMatchObject({
      orderId: order.id,
      accountId: alice.checking,
      merchantAccountId: alice.merchant,
      amount: 4_200,
      currency: "USD",
      refundedAmount: 0,
      status: "succeeded",
    });
    expect(await balanceOf(api, alice.checking)).toBe(checking - 4_200);
    expect(await balanceOf(api, alice.merchant)).toBe(merchant + 4_200);
    const paid = dataOf(await api.query("orders.get", { orderId: order.id }));
    expect(paid).toMatchObject({ status: "paid", version: 2 });
    const entries = await api.database.sql`
      SELECT e.account_id, e.amount::int AS amount FROM ledger_entries e JOIN payments p ON p.movement_id = e.movement_id
      WHERE p.id = ${payment.id} ORDER BY e.amount`;
    expect(entries).toEqual([
      { account_id: alice.checking, amount: -4_200 },
      { account_id: alice.merchant, amount: 4_200 },
    ]);
    const receipts = await api.database.sql`
      SELECT topic FROM outbox_messages WHERE subject_id = ${payment.id}`;
    expect(receipts).toEqual([{ topic: "payment_receipt" }]);
  });

  it("stores 'order already paid' under a second key and replays it, writing nothing", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 300 });
    const key = randomUUID();
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const first = await assertIdempotent({
      call: async () =>
        visible(await api.mutate("payments.create", { orderId: payment.orderId }, { idempotencyKey: key })),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(422);
    expect(JSON.parse(first.body).error.data.oncelyCode).toBe("order_already_paid");
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
    const [stored] = await api.database.sql`SELECT response_status FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(stored?.response_status).toBe(422);
  });

  it("refuses to pay a cancelled order (stored business error)", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 500 });
    dataOf(await api.mutate("orders.cancel", { orderId: order.id }));
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const key = randomUUID();
    const response = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key });
    expect(response.status).toBe(422);
    expect(response.json.error.data.oncelyCode).toBe("order_cancelled");
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
    const replay = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key });
    expect(replay.body).toBe(response.body);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("stores insufficient funds and replays it even after the account is topped up", async () => {
    const savings = await balanceOf(api, alice.savings);
    const order = await createOrder(api, { accountId: alice.savings, amount: savings + 1 });
    const before = await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] });
    const key = randomUUID();

    const first = await assertIdempotent({
      call: async () => visible(await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key })),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(422);
    expect(JSON.parse(first.body).error.data.oncelyCode).toBe("insufficient_funds");
    // The savepoint rolled back every write of the handler: no entries, no payment, no email.
    expect(await snapshotOf(api, { ignoreTables: ["oncely_idempotency_keys"] })).toEqual(before);
    expect(dataOf(await api.query("orders.get", { orderId: order.id })).status).toBe("pending");

    // Enough money now, but the key's answer is fixed: a new attempt needs a new key.
    dataOf(
      await api.mutate(
        "transfers.create",
        { fromAccountId: alice.checking, toAccountId: alice.savings, amount: 1, currency: "USD" },
        { idempotencyKey: randomUUID() },
      ),
    );
    const replay = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: key });
    expect(replay.body).toBe(first.body);
    const fresh = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() });
    expect(fresh.status).toBe(200);
  });

  it("pays an order once when 8 requests with different keys race for it", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 700 });
    const checking = await balanceOf(api, alice.checking);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 422, 422, 422, 422, 422, 422, 422]);
    for (const r of responses.filter((r) => r.status === 422)) {
      expect(r.json.error.data.oncelyCode).toBe("order_already_paid");
    }
    expect(await balanceOf(api, alice.checking)).toBe(checking - 700);
    const [row] = await api.database.sql`SELECT count(*)::int AS n FROM payments WHERE order_id = ${order.id}`;
    expect(row?.n).toBe(1);
  });

  it("has a unique constraint behind 'one successful payment per order'", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 100 });
    const second = api.database.sql`
      INSERT INTO payments (principal_id, order_id, account_id, merchant_account_id, amount, currency, movement_id)
      VALUES (${api.principals.alice}, ${payment.orderId}, ${alice.checking}, ${alice.merchant}, 100, 'USD', gen_random_uuid())`;
    await expect(second).rejects.toMatchObject({ code: "23505", constraint_name: "payments_order_unique" });
  });

  it("refuses to pay another principal's order as not found, and the key stays free", async () => {
    const bob = await accountsOf(api, "bob");
    const bobsOrder = await createOrder(api, { accountId: bob.checking, amount: 100 }, "bob");
    const before = await snapshotOf(api);
    const key = randomUUID();
    const response = await api.mutate("payments.create", { orderId: bobsOrder.id }, { idempotencyKey: key });
    expect(response.status).toBe(404);
    expect(response.json.error.data.oncelyCode).toBe("order_not_found");
    expect(await snapshotOf(api)).toEqual(before);
  });

  it("refuses an order whose currency has no merchant account, storing nothing", async () => {
    // An EUR customer account funded from an EUR equity account: alice has no EUR merchant.
    const [equity] = await api.database.sql`
      INSERT INTO accounts (principal_id, name, kind, currency, balance, allow_negative)
      VALUES (${api.principals.alice}, 'EUR opening', 'equity', 'EUR', -1000, true) RETURNING id`;
    const [euros] = await api.database.sql`
      INSERT INTO accounts (principal_id, name, kind, currency, balance)
      VALUES (${api.principals.alice}, 'Alice Euros', 'customer', 'EUR', 1000) RETURNING id`;
    const movement = randomUUID();
    await api.database.sql`
      INSERT INTO ledger_entries (movement_id, account_id, amount, currency, description) VALUES
      (${movement}, ${equity?.id}, -1000, 'EUR', 'Opening balance'),
      (${movement}, ${euros?.id}, 1000, 'EUR', 'Opening balance')`;
    const order = await createOrder(api, { accountId: euros?.id, amount: 100, currency: "EUR" });

    const before = await snapshotOf(api);
    const response = await api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() });
    expect(response.status).toBe(422);
    expect(response.json.error.data.oncelyCode).toBe("merchant_account_missing");
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe("payments.get and payments.list", () => {
  it("gets the principal's own payment and hides another principal's as 404", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 250 });
    expect(dataOf(await api.query("payments.get", { paymentId: payment.id }))).toEqual(payment);
    const theirs = await api.query("payments.get", { paymentId: payment.id }, as("bob"));
    expect(theirs.status).toBe(404);
    expect(theirs.json.error.data.oncelyCode).toBe("payment_not_found");
  });

  it("pages through payments newest first without repeats, and filters by order", async () => {
    const bob = await accountsOf(api, "bob");
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createPayment(api, { accountId: bob.checking, amount: 10 + i }, "bob"));
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = dataOf(await api.query("payments.list", { limit: 2, cursor }, as("bob")));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((p: { id: string }) => p.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual(made.map((p) => p.id).reverse());
    const [bobs] = await api.database.sql`
      SELECT count(*)::int AS n FROM payments WHERE principal_id = ${api.principals.bob}`;
    expect(seen).toHaveLength(bobs?.n);

    const one = dataOf(await api.query("payments.list", { orderId: made[2].orderId }, as("bob")));
    expect(one).toEqual({ items: [made[2]], nextCursor: null });
    // Alice sees none of bob's payments, even when she names his order.
    expect(dataOf(await api.query("payments.list", { orderId: made[2].orderId })).items).toEqual([]);
  });
});
