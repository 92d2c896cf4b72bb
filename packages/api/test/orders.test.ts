import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerAccountId, startTestApi, type TestApi } from "./harness";

let api: TestApi;
let accountId: string;

beforeAll(async () => {
  api = await startTestApi();
  accountId = await customerAccountId(api);
});
afterAll(() => api.close());

const orderInput = (overrides: Record<string, unknown> = {}) => ({
  accountId,
  amount: 1999,
  currency: "USD",
  description: "Blue bicycle bell",
  ...overrides,
});

describe("orders.create with an Idempotency-Key", () => {
  it("creates one order for the same key sent twice and replays the first answer byte for byte", async () => {
    const before = await api.count("orders");
    const key = randomUUID();
    const first = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    const second = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });

    expect(first.status).toBe(200);
    expect(first.json.result.data).toMatchObject({ amount: 1999, currency: "USD", status: "pending", version: 1 });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await api.count("orders")).toBe(before + 1);
    const [key_row] = await api.database.sql`
      SELECT request_path, response_status, response_body FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(key_row).toMatchObject({ request_path: "orders.create", response_status: 200 });
    expect(JSON.parse(key_row?.response_body)).toEqual(first.json.result.data);
  });

  it("treats the quoted (sf-string) and bare forms of a key as the same key", async () => {
    const key = randomUUID();
    const bare = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    const quoted = await api.mutate("orders.create", orderInput(), { idempotencyKey: `"${key}"` });
    expect(quoted.body).toBe(bare.body);
    expect(quoted.headers.get("idempotent-replayed")).toBe("true");
  });

  it("answers 422 to the same key with other input, and runs nothing", async () => {
    const key = randomUUID();
    await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");

    const other = await api.mutate("orders.create", orderInput({ amount: 2500 }), { idempotencyKey: key });

    expect(other.status).toBe(422);
    expect(other.json.error.data).toMatchObject({
      code: "UNPROCESSABLE_CONTENT",
      oncelyCode: "idempotency_key_reused",
    });
    expect(other.json.error.message).toContain("different request");
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });

  it("gives the same input the same fingerprint whatever the key order", async () => {
    const key = randomUUID();
    const input = orderInput();
    const reordered = Object.fromEntries(Object.entries(input).reverse());
    const first = await api.mutate("orders.create", input, { idempotencyKey: key });
    const second = await api.mutate("orders.create", reordered, { idempotencyKey: key });
    expect(second.status).toBe(200);
    expect(second.body).toBe(first.body);
  });

  it("answers 400 without a key, and writes nothing", async () => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    const response = await api.mutate("orders.create", orderInput());
    expect(response.status).toBe(400);
    expect(response.json.error.data.oncelyCode).toBe("idempotency_key_missing");
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });

  it.each([
    ["empty", ""],
    ["too long", "k".repeat(256)],
    ["with a control character", "abc\tdef"],
    ["non-ASCII", "clé-é"],
    ["two values", "abc, def"],
    ["an unterminated quote", '"abc'],
  ])("answers 400 to a key that is %s, and writes nothing", async (_label, key) => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    // fetch refuses some of these header values itself, so build the request by hand.
    const response = await rawPost(
      `${api.url}/orders.create`,
      {
        authorization: "Bearer sk_test_alice",
        "idempotency-key": key,
      },
      JSON.stringify(orderInput()),
    );
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.data.oncelyCode).toBe("idempotency_key_invalid");
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });

  it("accepts a 255-character key", async () => {
    const key = randomUUID().padEnd(255, "x");
    const response = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    expect(response.status).toBe(200);
  });

  it("runs 20 concurrent requests with one key exactly once, and they all get the same answer", async () => {
    const before = await api.count("orders");
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api.mutate("orders.create", orderInput(), { idempotencyKey: key })),
    );
    expect(await api.count("orders")).toBe(before + 1);
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    for (const r of ok) expect(r.body).toBe(ok[0]?.body);
    // Anything not answered yet was told to come back, never given another order.
    for (const r of responses.filter((r) => r.status !== 200)) expect(r.status).toBe(409);
  });

  it("scopes keys to the principal: bob's request with alice's key is a new request", async () => {
    const key = randomUUID();
    const alice = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    const bobAccount = await customerAccountId(api, "bob");
    const bob = await api.mutate("orders.create", orderInput({ accountId: bobAccount }), {
      apiKey: "sk_test_bob",
      idempotencyKey: key,
    });
    expect(bob.status).toBe(200);
    expect(bob.headers.get("idempotent-replayed")).toBeNull();
    expect(bob.json.result.data.id).not.toBe(alice.json.result.data.id);
    const rows = await api.database.sql`SELECT principal_id FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(rows.map((r) => r.principal_id).sort()).toEqual([api.principals.alice, api.principals.bob].sort());
  });
});

describe("orders.create refuses bad input and writes nothing", () => {
  it.each([
    ["a float amount", { amount: 19.99 }, "amount"],
    ["a zero amount", { amount: 0 }, "amount"],
    ["a negative amount", { amount: -5 }, "amount"],
    ["a huge amount", { amount: 1e15 }, "amount"],
    ["an amount as a string", { amount: "1999" }, "amount"],
    ["a lower-case currency", { currency: "usd" }, "currency"],
    ["an accountId that is not a UUID", { accountId: "acct_1" }, "accountId"],
    ["an unknown field", { coupon: "FREE" }, ""],
  ])("%s → 400 naming the field", async (_label, overrides, field) => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    const response = await api.mutate("orders.create", orderInput(overrides), { idempotencyKey: randomUUID() });
    expect(response.status).toBe(400);
    expect(response.json.error.data.oncelyCode).toBe("invalid_input");
    expect(response.json.error.data.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });

  it.each([
    ["an unknown account", () => randomUUID(), "account_not_found", 404],
    ["another principal's account", () => customerAccountId(api, "bob"), "account_not_found", 404],
  ])("%s → a clear error, nothing stored, the key stays free", async (_label, account, code, status) => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    const key = randomUUID();
    const response = await api.mutate("orders.create", orderInput({ accountId: await account() }), {
      idempotencyKey: key,
    });
    expect(response.status).toBe(status);
    expect(response.json.error.data.oncelyCode).toBe(code);
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
    // The key was not used up: the corrected request with it succeeds.
    const retry = await api.mutate("orders.create", orderInput(), { idempotencyKey: key });
    expect(retry.status).toBe(200);
  });

  it("refuses a currency other than the account's", async () => {
    const orders = await api.count("orders");
    const response = await api.mutate("orders.create", orderInput({ currency: "EUR" }), {
      idempotencyKey: randomUUID(),
    });
    expect(response.status).toBe(400);
    expect(response.json.error.data.oncelyCode).toBe("currency_mismatch");
    expect(await api.count("orders")).toBe(orders);
  });

  it("answers 401 to an unknown API key and 401 without one, writing nothing", async () => {
    const orders = await api.count("orders");
    const keys = await api.count("oncely_idempotency_keys");
    const wrong = await api.mutate("orders.create", orderInput(), {
      apiKey: "sk_test_mallory",
      idempotencyKey: randomUUID(),
    });
    const none = await api.mutate("orders.create", orderInput(), { apiKey: null, idempotencyKey: randomUUID() });
    expect(wrong.status).toBe(401);
    expect(none.status).toBe(401);
    expect(wrong.json.error.data.oncelyCode).toBe("unauthenticated");
    expect(await api.count("orders")).toBe(orders);
    expect(await api.count("oncely_idempotency_keys")).toBe(keys);
  });

  it("never sends a stack trace", async () => {
    const response = await api.mutate("orders.create", orderInput({ amount: "x" }), { idempotencyKey: randomUUID() });
    expect(response.body).not.toMatch(/stack|\.ts:\d+|node_modules/);
  });
});

describe("orders.get and orders.list", () => {
  it("gets the principal's own order and hides another principal's as 404", async () => {
    const created = await api.mutate("orders.create", orderInput(), { idempotencyKey: randomUUID() });
    const id = created.json.result.data.id;
    const mine = await api.query("orders.get", { orderId: id });
    expect(mine.status).toBe(200);
    expect(mine.json.result.data).toEqual(created.json.result.data);
    const theirs = await api.query("orders.get", { orderId: id }, { apiKey: "sk_test_bob" });
    expect(theirs.status).toBe(404);
    expect(theirs.json.error.data.oncelyCode).toBe("order_not_found");
  });

  it("pages through the principal's orders, newest first, without repeats", async () => {
    const bobAccount = await customerAccountId(api, "bob");
    for (let i = 0; i < 5; i++) {
      await api.mutate("orders.create", orderInput({ accountId: bobAccount, amount: 100 + i }), {
        apiKey: "sk_test_bob",
        idempotencyKey: randomUUID(),
      });
    }
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.query("orders.list", { limit: 2, cursor }, { apiKey: "sk_test_bob" });
      expect(page.status).toBe(200);
      seen.push(...page.json.result.data.items.map((o: { amount: number }) => o.amount));
      cursor = page.json.result.data.nextCursor ?? undefined;
    } while (cursor);
    const [bobs] = await api.database.sql`
      SELECT count(*)::int AS n FROM orders WHERE principal_id = ${api.principals.bob}`;
    expect(seen).toHaveLength(bobs?.n);
    expect(seen.slice(0, 5)).toEqual([104, 103, 102, 101, 100]);
  });
});

describe("accounts.list", () => {
  it("lists the principal's customer and merchant accounts with integer balances", async () => {
    const response = await api.query("accounts.list", undefined, { apiKey: "sk_test_bob" });
    expect(response.status).toBe(200);
    const accounts = response.json.result.data as { name: string; kind: string; balance: number; currency: string }[];
    expect(accounts.map((a) => a.name).sort()).toEqual(["Bob Checking", "Bob Savings", "Bob's Bikes"]);
    for (const a of accounts) {
      expect(["customer", "merchant"]).toContain(a.kind);
      expect(Number.isInteger(a.balance)).toBe(true);
      expect(a.currency).toBe("USD");
    }
  });
});

async function rawPost(url: string, headers: Record<string, string>, body: string) {
  const { request } = await import("node:http");
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
