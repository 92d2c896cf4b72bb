import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountsOf,
  as,
  createOrder,
  createPayment,
  type DemoAccounts,
  dataOf,
  type PrincipalName,
  snapshotOf,
  startTestApi,
  type TestApi,
} from "./harness";

/**
 * Principal isolation beyond single lookups (those are in bad-input, orders and payments
 * tests): a key shared by two principals never hands one the other's stored answer, lists
 * and the key inspector only ever show the caller's own rows, and API keys exist nowhere in
 * the database in plain text.
 */

let api: TestApi;
let alice: DemoAccounts;
let bob: DemoAccounts;

beforeAll(async () => {
  api = await startTestApi();
  alice = await accountsOf(api, "alice");
  bob = await accountsOf(api, "bob");
});
afterAll(() => api.close());

/** For each keyed mutation: an input valid for `who` (fresh rows where one is needed). */
const inputs: Record<string, (who: PrincipalName) => Promise<unknown>> = {
  "orders.create": async (who) => ({ accountId: accountsFor(who).checking, amount: 250, currency: "USD" }),
  "payments.create": async (who) => ({
    orderId: (await createOrder(api, { accountId: accountsFor(who).checking, amount: 300 }, who)).id,
  }),
  "refunds.create": async (who) => ({
    paymentId: (await createPayment(api, { accountId: accountsFor(who).checking, amount: 400 }, who)).id,
    amount: 100,
  }),
  "transfers.create": async (who) => ({
    fromAccountId: accountsFor(who).checking,
    toAccountId: accountsFor(who).savings,
    amount: 50,
    currency: "USD",
  }),
};
const accountsFor = (who: PrincipalName) => (who === "alice" ? alice : bob);

describe("one idempotency key used by two principals", () => {
  it.each(Object.keys(inputs))("%s: bob never gets alice's stored answer, even with her exact input", async (path) => {
    const key = randomUUID();
    const aliceInput = await inputs[path]?.("alice");
    const first = await api.mutate(path, aliceInput, as("alice", { idempotencyKey: key }));
    expect(first.status).toBe(200);

    // Alice's input names alice's rows: for bob they do not exist. No replay, nothing written.
    const before = await snapshotOf(api);
    const copycat = await api.mutate(path, aliceInput, as("bob", { idempotencyKey: key }));
    expect(copycat.headers.get("idempotent-replayed")).toBeNull();
    expect(copycat.body).not.toBe(first.body);
    expect(copycat.status).toBe(404);
    expect(await snapshotOf(api)).toEqual(before);

    // With his own input the key is simply new for bob: it runs, as bob, once.
    const own = await api.mutate(path, await inputs[path]?.("bob"), as("bob", { idempotencyKey: key }));
    expect(own.status).toBe(200);
    expect(own.headers.get("idempotent-replayed")).toBeNull();
    const keys = await api.database.sql<{ principal_id: string; response_body: string }[]>`
      SELECT principal_id, response_body FROM oncely_idempotency_keys WHERE key = ${key} ORDER BY principal_id`;
    expect(keys.map((k) => k.principal_id).sort()).toEqual([api.principals.alice, api.principals.bob].sort());
    expect(keys.find((k) => k.principal_id === api.principals.alice)?.response_body).toBe(
      JSON.stringify(first.json.result.data),
    );
  });
});

describe("lists show the caller's own rows only", () => {
  const tables: Record<string, string> = {
    "accounts.list": "accounts",
    "orders.list": "orders",
    "payments.list": "payments",
    "refunds.list": "refunds",
  };

  beforeAll(async () => {
    // Both principals own some of everything.
    for (const who of ["alice", "bob"] as const) {
      const payment = await createPayment(api, { accountId: accountsFor(who).checking, amount: 900 }, who);
      dataOf(
        await api.mutate(
          "refunds.create",
          { paymentId: payment.id, amount: 10 },
          as(who, { idempotencyKey: randomUUID() }),
        ),
      );
    }
  });

  it.each(Object.keys(tables))("%s", async (path) => {
    for (const who of ["alice", "bob"] as const) {
      const data = dataOf(await api.query(path, path === "accounts.list" ? undefined : { limit: 100 }, as(who)));
      const ids: string[] = (Array.isArray(data) ? data : data.items).map((item: { id: string }) => item.id);
      expect(ids.length).toBeGreaterThan(0);
      const owners = await api.database.sql.unsafe(
        `SELECT DISTINCT principal_id FROM ${tables[path]} WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(owners.map((o) => o.principal_id)).toEqual([api.principals[who]]);
    }
  });

  it("payments.list filtered by another principal's order is empty", async () => {
    const alicesPayment = await createPayment(api, { accountId: alice.checking, amount: 120 });
    const asBob = dataOf(await api.query("payments.list", { orderId: alicesPayment.orderId }, as("bob")));
    expect(asBob.items).toEqual([]);
    const asAlice = dataOf(await api.query("payments.list", { orderId: alicesPayment.orderId }, as("alice")));
    expect(asAlice.items.map((p: { id: string }) => p.id)).toEqual([alicesPayment.id]);
  });
});

describe("the key inspector (idempotency.list / idempotency.get)", () => {
  it("lists only the caller's keys, also when handed another principal's cursor", async () => {
    for (const who of ["alice", "bob"] as const) {
      for (let i = 0; i < 3; i++) {
        await api.mutate(
          "orders.create",
          { accountId: accountsFor(who).checking, amount: 10 + i, currency: "USD" },
          as(who, { idempotencyKey: `${who}-inspected-${i}` }),
        );
      }
    }
    const alicesPage = dataOf(await api.query("idempotency.list", { limit: 1 }, as("alice")));
    expect(alicesPage.nextCursor).toEqual(expect.any(String));
    const bobsKeys = new Set(
      (await api.database.sql`SELECT key FROM oncely_idempotency_keys WHERE principal_id = ${api.principals.bob}`).map(
        (row) => row.key as string,
      ),
    );

    const withAlicesCursor = dataOf(
      await api.query("idempotency.list", { limit: 100, cursor: alicesPage.nextCursor }, as("bob")),
    );
    for (const item of withAlicesCursor.items) expect(bobsKeys.has(item.key)).toBe(true);
    const bobsOwn = dataOf(await api.query("idempotency.list", { limit: 100 }, as("bob")));
    expect(bobsOwn.items.map((k: { key: string }) => k.key).sort()).toEqual([...bobsKeys].sort());
  });

  it("answers another principal's key as not found, whether or not the caller has the same key", async () => {
    const key = "shared-inspected-key";
    const input = (who: PrincipalName) => ({ accountId: accountsFor(who).checking, amount: 77, currency: "USD" });
    const alices = await api.mutate("orders.create", input("alice"), as("alice", { idempotencyKey: key }));
    expect((await api.query("idempotency.get", { key }, as("bob"))).status).toBe(404);

    const bobs = await api.mutate("orders.create", input("bob"), as("bob", { idempotencyKey: key }));
    const detail = dataOf(await api.query("idempotency.get", { key }, as("bob")));
    expect(detail.responseBody).toBe(JSON.stringify(bobs.json.result.data));
    expect(detail.responseBody).not.toBe(JSON.stringify(alices.json.result.data));
  });
});

describe("API keys at rest", () => {
  it("appear nowhere in the database in plain text after being used", async () => {
    await api.mutate(
      "orders.create",
      { accountId: alice.checking, amount: 5, currency: "USD" },
      as("alice", { idempotencyKey: randomUUID() }),
    );
    await api.query("accounts.list", undefined, as("bob"));
    const everything = JSON.stringify(await snapshotOf(api));
    expect(everything).not.toContain("sk_test_alice");
    expect(everything).not.toContain("sk_test_bob");
  });
});
