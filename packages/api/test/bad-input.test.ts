import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_AMOUNT } from "../src/domain/money";
import {
  accountsOf,
  as,
  createOrder,
  createPayment,
  type DemoAccounts,
  snapshotOf,
  startTestApi,
  type TestApi,
} from "./harness";

/**
 * Every procedure, fed wrong types, bad amounts, unknown ids and another principal's ids:
 * each answer is a typed error (status + oncelyCode), and the whole database is unchanged.
 */

let api: TestApi;
let alice: DemoAccounts;
let bob: DemoAccounts;
const ids = { order: "", payment: "", bobOrder: "", bobPayment: "" };

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
  bob = await accountsOf(api, "bob");
  ids.order = (await createOrder(api, { accountId: alice.checking, amount: 1_000 })).id;
  ids.payment = (await createPayment(api, { accountId: alice.checking, amount: 1_000 })).id;
  ids.bobOrder = (await createOrder(api, { accountId: bob.checking, amount: 1_000 }, "bob")).id;
  ids.bobPayment = (await createPayment(api, { accountId: bob.checking, amount: 1_000 }, "bob")).id;
});
afterAll(() => api.close());

const tooBig = MAX_AMOUNT + 1;
/** Amounts no procedure that takes one may accept. */
const badAmounts: [string, unknown][] = [
  ["zero", 0],
  ["negative", -100],
  ["non-integer", 10.5],
  ["above MAX_AMOUNT", tooBig],
  ["beyond 2^53", 2 ** 60],
  ["a string", "100"],
  ["null", null],
];

type Case = [label: string, input: () => unknown, status: number, code: string];

const mutations: Record<string, Case[]> = {
  "payments.create": [
    ["no orderId", () => ({}), 400, "invalid_input"],
    ["a number for orderId", () => ({ orderId: 42 }), 400, "invalid_input"],
    ["an orderId that is not a UUID", () => ({ orderId: "order_1" }), 400, "invalid_input"],
    ["an unknown field", () => ({ orderId: ids.order, tip: 5 }), 400, "invalid_input"],
    ["an unknown order", () => ({ orderId: randomUUID() }), 404, "order_not_found"],
    ["bob's order", () => ({ orderId: ids.bobOrder }), 404, "order_not_found"],
  ],
  "refunds.create": [
    ...badAmounts.map(
      ([label, amount]): Case => [
        `a ${label} amount`,
        () => ({ paymentId: ids.payment, amount }),
        400,
        "invalid_input",
      ],
    ),
    ["no amount", () => ({ paymentId: ids.payment }), 400, "invalid_input"],
    ["a paymentId that is not a UUID", () => ({ paymentId: "pay_1", amount: 1 }), 400, "invalid_input"],
    ["an unknown payment", () => ({ paymentId: randomUUID(), amount: 1 }), 404, "payment_not_found"],
    ["bob's payment", () => ({ paymentId: ids.bobPayment, amount: 1 }), 404, "payment_not_found"],
  ],
  "transfers.create": [
    ...badAmounts.map(
      ([label, amount]): Case => [
        `a ${label} amount`,
        () => ({ fromAccountId: alice.checking, toAccountId: alice.savings, amount, currency: "USD" }),
        400,
        "invalid_input",
      ],
    ),
    [
      "the same account on both sides",
      () => ({ fromAccountId: alice.checking, toAccountId: alice.checking, amount: 1, currency: "USD" }),
      400,
      "invalid_input",
    ],
    [
      "a lower-case currency",
      () => ({ fromAccountId: alice.checking, toAccountId: alice.savings, amount: 1, currency: "usd" }),
      400,
      "invalid_input",
    ],
    [
      "no currency",
      () => ({ fromAccountId: alice.checking, toAccountId: alice.savings, amount: 1 }),
      400,
      "invalid_input",
    ],
    [
      "an unknown source account",
      () => ({ fromAccountId: randomUUID(), toAccountId: alice.savings, amount: 1, currency: "USD" }),
      404,
      "account_not_found",
    ],
    [
      "bob's account as the source",
      () => ({ fromAccountId: bob.checking, toAccountId: alice.savings, amount: 1, currency: "USD" }),
      404,
      "account_not_found",
    ],
    [
      "bob's account as the destination",
      () => ({ fromAccountId: alice.checking, toAccountId: bob.checking, amount: 1, currency: "USD" }),
      404,
      "account_not_found",
    ],
    [
      "the internal equity account",
      () => ({ fromAccountId: alice.equity, toAccountId: alice.savings, amount: 1, currency: "USD" }),
      404,
      "account_not_found",
    ],
  ],
  "orders.create": [
    ...badAmounts.map(
      ([label, amount]): Case => [
        `a ${label} amount`,
        () => ({ accountId: alice.checking, amount, currency: "USD" }),
        400,
        "invalid_input",
      ],
    ),
    [
      "a merchant account",
      () => ({ accountId: alice.merchant, amount: 1, currency: "USD" }),
      400,
      "account_not_chargeable",
    ],
    ["another currency", () => ({ accountId: alice.checking, amount: 1, currency: "EUR" }), 400, "currency_mismatch"],
    ["bob's account", () => ({ accountId: bob.checking, amount: 1, currency: "USD" }), 404, "account_not_found"],
  ],
  "orders.cancel": [
    ["no orderId", () => ({}), 400, "invalid_input"],
    ["an orderId that is not a UUID", () => ({ orderId: true }), 400, "invalid_input"],
    ["an unknown order", () => ({ orderId: randomUUID() }), 404, "order_not_found"],
    ["bob's order", () => ({ orderId: ids.bobOrder }), 404, "order_not_found"],
  ],
  "orders.updateShipping": [
    ["no shipping", () => ({ orderId: ids.order, expectedVersion: 1 }), 400, "invalid_input"],
    [
      "a version as a string",
      () => ({ orderId: ids.order, expectedVersion: "1", shipping: address }),
      400,
      "invalid_input",
    ],
    [
      "a fractional version",
      () => ({ orderId: ids.order, expectedVersion: 1.5, shipping: address }),
      400,
      "invalid_input",
    ],
    ["version zero", () => ({ orderId: ids.order, expectedVersion: 0, shipping: address }), 400, "invalid_input"],
    [
      "a lower-case country",
      () => ({ orderId: ids.order, expectedVersion: 1, shipping: { ...address, country: "gb" } }),
      400,
      "invalid_input",
    ],
    [
      "a blank name",
      () => ({ orderId: ids.order, expectedVersion: 1, shipping: { ...address, name: "   " } }),
      400,
      "invalid_input",
    ],
    [
      "an unknown address field",
      () => ({ orderId: ids.order, expectedVersion: 1, shipping: { ...address, floor: 3 } }),
      400,
      "invalid_input",
    ],
    [
      "a missing city",
      () => ({ orderId: ids.order, expectedVersion: 1, shipping: { ...address, city: undefined } }),
      400,
      "invalid_input",
    ],
    ["a stale version", () => ({ orderId: ids.order, expectedVersion: 7, shipping: address }), 412, "version_mismatch"],
    [
      "an unknown order",
      () => ({ orderId: randomUUID(), expectedVersion: 1, shipping: address }),
      404,
      "order_not_found",
    ],
    ["bob's order", () => ({ orderId: ids.bobOrder, expectedVersion: 1, shipping: address }), 404, "order_not_found"],
  ],
};

const queries: Record<string, Case[]> = {
  "accounts.get": [
    ["an accountId that is not a UUID", () => ({ accountId: "acct" }), 400, "invalid_input"],
    ["an unknown account", () => ({ accountId: randomUUID() }), 404, "account_not_found"],
    ["bob's account", () => ({ accountId: bob.savings }), 404, "account_not_found"],
  ],
  "payments.get": [
    ["no paymentId", () => ({}), 400, "invalid_input"],
    ["an unknown payment", () => ({ paymentId: randomUUID() }), 404, "payment_not_found"],
    ["bob's payment", () => ({ paymentId: ids.bobPayment }), 404, "payment_not_found"],
  ],
  "payments.list": [
    ["limit 0", () => ({ limit: 0 }), 400, "invalid_input"],
    ["limit 101", () => ({ limit: 101 }), 400, "invalid_input"],
    ["a cursor that is not a UUID", () => ({ cursor: "page2" }), 400, "invalid_input"],
    ["an unknown cursor", () => ({ cursor: randomUUID() }), 404, "payment_not_found"],
    ["bob's payment as cursor", () => ({ cursor: ids.bobPayment }), 404, "payment_not_found"],
  ],
  "refunds.list": [
    ["a fractional limit", () => ({ limit: 2.5 }), 400, "invalid_input"],
    ["an unknown payment", () => ({ paymentId: randomUUID() }), 404, "payment_not_found"],
    ["bob's payment", () => ({ paymentId: ids.bobPayment }), 404, "payment_not_found"],
  ],
};

const address = { name: "A", line1: "1 Road", city: "Town", postalCode: "1000", country: "NL" };

describe.each(Object.entries(mutations))("%s refuses bad input and writes nothing", (path, cases) => {
  it.each(cases)("%s → %i %s", async (_label, input, status, code) => {
    const before = await snapshotOf(api);
    const response = await api.mutate(path, input(), { idempotencyKey: randomUUID() });
    expect(response.status).toBe(status);
    expect(response.json.error.data.oncelyCode).toBe(code);
    expect(response.json.error.message.length).toBeGreaterThan(0);
    if (code === "invalid_input") expect(response.json.error.data.issues.length).toBeGreaterThan(0);
    // Not even the idempotency key: refusals before execution are not stored.
    expect(await snapshotOf(api)).toEqual(before);
  });
});

describe.each(Object.entries(queries))("%s refuses bad input", (path, cases) => {
  it.each(cases)("%s → %i %s", async (_label, input, status, code) => {
    const response = await api.query(path, input());
    expect(response.status).toBe(status);
    expect(response.json.error.data.oncelyCode).toBe(code);
  });
});

describe("authentication", () => {
  it.each([
    ...Object.keys(mutations).map((path) => [path, "mutation"] as const),
    ...Object.keys(queries).map((path) => [path, "query"] as const),
  ])("%s (%s) answers 401 without a valid API key and writes nothing", async (path, kind) => {
    const before = await snapshotOf(api);
    const response =
      kind === "mutation"
        ? await api.mutate(path, {}, { apiKey: "sk_test_mallory", idempotencyKey: randomUUID() })
        : await api.query(path, {}, { apiKey: null });
    expect(response.status).toBe(401);
    expect(response.json.error.data.oncelyCode).toBe("unauthenticated");
    expect(await snapshotOf(api)).toEqual(before);
  });

  it("bob sees none of alice's resources even through a valid call", async () => {
    expect((await api.query("orders.get", { orderId: ids.order }, as("bob"))).status).toBe(404);
    expect((await api.query("payments.get", { paymentId: ids.payment }, as("bob"))).status).toBe(404);
    expect((await api.query("accounts.get", { accountId: alice.checking }, as("bob"))).status).toBe(404);
  });
});
