import { randomUUID } from "node:crypto";
import { assertIdempotent } from "@oncely/idempotency/testing";
import { describe, expect, it } from "vitest";
import { checkInvariants } from "../src/domain/invariants";
import {
  as,
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

const address = {
  name: "Alice Liddell",
  line1: "1 Rabbit Hole",
  city: "Oxford",
  postalCode: "OX1 1AA",
  country: "GB",
};

describe("orders.cancel", () => {
  it("is naturally idempotent: repeats without a key get the same cancelled order, never an error", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 800 });
    const first = await assertIdempotent({
      call: async () => visible(await api.mutate("orders.cancel", { orderId: order.id })),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).result.data).toMatchObject({ id: order.id, status: "cancelled", version: 2 });
    expect(dataOf(await api.query("orders.get", { orderId: order.id }))).toEqual(JSON.parse(first.body).result.data);
  });

  it("refuses to cancel a paid order (refund it instead), every time, writing nothing", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 900 });
    const before = await snapshotOf(api);
    const first = await api.mutate("orders.cancel", { orderId: payment.orderId });
    const again = await api.mutate("orders.cancel", { orderId: payment.orderId });
    expect(first.status).toBe(422);
    expect(first.json.error.data.oncelyCode).toBe("order_already_paid");
    expect(first.json.error.message).toContain("refunds.create");
    expect(again.body).toBe(first.body);
    expect(await snapshotOf(api)).toEqual(before);
  });

  it("races a payment cleanly: the order ends either paid or cancelled, and money moved only if paid", async () => {
    for (let i = 0; i < 5; i++) {
      const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
      const [pay, cancel] = await Promise.all([
        api.mutate("payments.create", { orderId: order.id }, { idempotencyKey: randomUUID() }),
        api.mutate("orders.cancel", { orderId: order.id }),
      ]);
      const final = dataOf(await api.query("orders.get", { orderId: order.id }));
      if (final.status === "paid") {
        expect(pay.status).toBe(200);
        expect(cancel.json.error.data.oncelyCode).toBe("order_already_paid");
      } else {
        expect(final.status).toBe("cancelled");
        expect(cancel.status).toBe(200);
        expect(pay.json.error.data.oncelyCode).toBe("order_cancelled");
      }
    }
    expect(await checkInvariants(api.database.db)).toEqual([]);
  });

  it("hides another principal's order as 404", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    const before = await snapshotOf(api);
    const response = await api.mutate("orders.cancel", { orderId: order.id }, as("bob"));
    expect(response.status).toBe(404);
    expect(response.json.error.data.oncelyCode).toBe("order_not_found");
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe("orders.updateShipping", () => {
  it("replaces the address, bumps the version, and replays the answer for a retried key", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    const key = randomUUID();
    const first = await assertIdempotent({
      call: async () =>
        visible(
          await api.mutate(
            "orders.updateShipping",
            { orderId: order.id, expectedVersion: 1, shipping: { ...address, line2: "Flat 2" } },
            { idempotencyKey: key },
          ),
        ),
      snapshot: () => snapshotOf(api),
    });
    expect(first.status).toBe(200);
    const updated = JSON.parse(first.body).result.data;
    expect(updated).toMatchObject({ version: 2, shipping: { ...address, line2: "Flat 2" } });

    // PUT semantics: the next update replaces everything, so an omitted line2 is gone.
    const replaced = dataOf(
      await api.mutate("orders.updateShipping", { orderId: order.id, expectedVersion: 2, shipping: address }),
    );
    expect(replaced).toMatchObject({ version: 3, shipping: { ...address, line2: null } });
    expect(dataOf(await api.query("orders.get", { orderId: order.id }))).toEqual(replaced);
  });

  it("answers 412 to a stale version and writes nothing", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    dataOf(await api.mutate("orders.updateShipping", { orderId: order.id, expectedVersion: 1, shipping: address }));
    const before = await snapshotOf(api);
    const stale = await api.mutate(
      "orders.updateShipping",
      { orderId: order.id, expectedVersion: 1, shipping: { ...address, city: "Cambridge" } },
      { idempotencyKey: randomUUID() },
    );
    expect(stale.status).toBe(412);
    expect(stale.json.error.data).toMatchObject({ code: "PRECONDITION_FAILED", oncelyCode: "version_mismatch" });
    expect(stale.json.error.message).toContain("version 2");
    expect(await snapshotOf(api)).toEqual(before);
  });

  it("lets exactly one of several concurrent updates with the same version win", async () => {
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    const cities = ["Bath", "York", "Ely", "Wells", "Ripon"];
    const responses = await Promise.all(
      cities.map((city) =>
        api.mutate("orders.updateShipping", { orderId: order.id, expectedVersion: 1, shipping: { ...address, city } }),
      ),
    );
    const winners = responses.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    expect(responses.filter((r) => r.status === 412)).toHaveLength(4);
    const final = dataOf(await api.query("orders.get", { orderId: order.id }));
    expect(final).toEqual(winners[0]?.json.result.data);
    expect(final.version).toBe(2);
  });

  it("counts payment and cancellation as changes of the order (version moves)", async () => {
    const payment = await createPayment(api, { accountId: alice.checking, amount: 100 });
    const stale = await api.mutate("orders.updateShipping", {
      orderId: payment.orderId,
      expectedVersion: 1,
      shipping: address,
    });
    expect(stale.status).toBe(412);
    // A paid order's address can still change (it has not shipped yet)...
    expect(
      dataOf(
        await api.mutate("orders.updateShipping", { orderId: payment.orderId, expectedVersion: 2, shipping: address }),
      ).version,
    ).toBe(3);
    // ...a cancelled one's cannot.
    const order = await createOrder(api, { accountId: alice.checking, amount: 100 });
    dataOf(await api.mutate("orders.cancel", { orderId: order.id }));
    const before = await snapshotOf(api);
    const cancelled = await api.mutate("orders.updateShipping", {
      orderId: order.id,
      expectedVersion: 2,
      shipping: address,
    });
    expect(cancelled.status).toBe(422);
    expect(cancelled.json.error.data.oncelyCode).toBe("order_cancelled");
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe("accounts.get", () => {
  it("gets an account with its balance, and hides another principal's and the equity account as 404", async () => {
    const listed = dataOf(await api.query("accounts.list"));
    const checking = dataOf(await api.query("accounts.get", { accountId: alice.checking }));
    expect(listed).toContainEqual(checking);
    expect(checking).toMatchObject({ id: alice.checking, kind: "customer", currency: "USD" });
    for (const [accountId, apiKey] of [
      [alice.checking, "sk_test_bob"],
      [alice.equity, "sk_test_alice"],
      [randomUUID(), "sk_test_alice"],
    ] as const) {
      const response = await api.query("accounts.get", { accountId }, { apiKey });
      expect(response.status).toBe(404);
      expect(response.json.error.data.oncelyCode).toBe("account_not_found");
    }
  });
});
