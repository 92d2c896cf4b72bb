import { randomUUID } from "node:crypto";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningWeb, startBuiltWeb } from "./nextServer";

let database: TestDatabase;
let web: RunningWeb;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.db);
  // Not demo mode: the chaos panel must not exist at all.
  web = await startBuiltWeb(database.url, { env: { ONCELY_DEMO: "0" } });
});

afterAll(async () => {
  await web?.stop();
  await database?.drop();
});

async function accountId(name: string): Promise<string> {
  const [row] = await database.sql<{ id: string }[]>`SELECT id FROM accounts WHERE name = ${name}`;
  if (!row) throw new Error(`no account named ${name}`);
  return row.id;
}

async function countOrders(): Promise<number> {
  const [row] = await database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM orders`;
  return row?.n ?? -1;
}

function createOrder(body: unknown, headers: Record<string, string>) {
  return fetch(`${web.origin}/api/trpc/orders.create`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("the page", () => {
  it("lists the default principal's (alice's) accounts with money formatted, and nothing of bob's", async () => {
    const response = await fetch(`${web.origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain("Alice Checking");
    expect(html).toContain("$2,500.00");
    expect(html).toContain("$1,000.00");
    expect(html).not.toContain("Bob Checking");
    expect(html).not.toContain("Bob&#x27;s Bikes");
  });

  it("shows bob's accounts, and not alice's, with bob's session cookie", async () => {
    const html = await (await fetch(`${web.origin}/`, { headers: { cookie: "oncely_session=bob" } })).text();
    expect(html).toContain("Bob Checking");
    expect(html).toContain("$1,500.00");
    expect(html).not.toContain("Alice Checking");
  });

  it("never sends an API key to the browser", async () => {
    const html = await (await fetch(`${web.origin}/`)).text();
    expect(html).not.toContain("sk_test_");
  });
});

describe("the other pages", () => {
  it("render orders, transfers, the key inspector and the ledger for the session's principal", async () => {
    for (const [path, text] of [
      ["/orders", "Create order"],
      ["/transfers", "Move money between your accounts"],
      ["/keys", "Idempotency keys"],
      ["/", "Recent ledger entries"],
    ]) {
      const response = await fetch(`${web.origin}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain(text);
    }
  });

  it("answers 404 for an unknown order, a malformed id and another principal's order", async () => {
    const body = { accountId: await accountId("Bob Checking"), amount: 300, currency: "USD" };
    const bobs = await createOrder(body, { "idempotency-key": randomUUID(), cookie: "oncely_session=bob" });
    const bobOrder = (await bobs.json()).result.data.id;
    for (const id of [randomUUID(), "not-an-id", bobOrder]) {
      const response = await fetch(`${web.origin}/orders/${id}`);
      expect(response.status, id).toBe(404);
      expect(await response.text()).toContain("There is nothing here");
    }
    const mine = await fetch(`${web.origin}/orders/${bobOrder}`, { headers: { cookie: "oncely_session=bob" } });
    expect(mine.status).toBe(200);
  });
});

describe("the idempotency key inspector", () => {
  it("lists a key and shows its stored answer, also for a key with URL-special characters", async () => {
    const key = `odd%41/key?${randomUUID().slice(0, 8)}`;
    const body = { accountId: await accountId("Alice Checking"), amount: 4_321, currency: "USD" };
    const created = await createOrder(body, { "idempotency-key": key });
    const order = (await created.json()).result.data;

    const list = await (await fetch(`${web.origin}/keys`)).text();
    expect(list).toContain(`href="/keys/${encodeURIComponent(key)}"`);
    const detail = await fetch(`${web.origin}/keys/${encodeURIComponent(key)}`);
    expect(detail.status).toBe(200);
    const html = await detail.text();
    expect(html).toContain(key);
    expect(html).toContain(order.id);
    expect(html).toContain("orders.create");
    expect((await fetch(`${web.origin}/keys/${encodeURIComponent(`${key}-other`)}`)).status).toBe(404);
  });
});

describe("chaos outside demo mode (ONCELY_DEMO=0)", () => {
  it("shows no chaos panel, and the API refuses chaos.get and chaos.set with 404", async () => {
    const html = await (await fetch(`${web.origin}/orders`)).text();
    expect(html).not.toContain("Chaos panel");
    const get = await fetch(`${web.origin}/api/trpc/chaos.get`);
    expect(get.status).toBe(404);
    expect((await get.json()).error.data.oncelyCode).toBe("chaos_unavailable");
    const set = await fetch(`${web.origin}/api/trpc/chaos.set`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": randomUUID() },
      body: JSON.stringify({ failBeforeCommit: 0, dropResponses: 5, latencyMs: 0 }),
    });
    expect(set.status).toBe(404);
    expect((await set.json()).error.data.oncelyCode).toBe("chaos_unavailable");
    const body = { accountId: await accountId("Alice Checking"), amount: 250, currency: "USD" };
    const created = await createOrder(body, { "idempotency-key": randomUUID() });
    expect(created.status).toBe(200);
    expect(created.headers.get("oncely-chaos")).toBeNull();
  });
});

describe("POST /api/trpc/orders.create", () => {
  it("acts as the session's principal, creates one order, and replays a retry byte for byte", async () => {
    const before = await countOrders();
    const body = {
      accountId: await accountId("Alice Checking"),
      amount: 1999,
      currency: "USD",
      description: "retry me",
    };
    const headers = { "idempotency-key": randomUUID(), cookie: "oncely_session=alice" };

    const first = await createOrder(body, headers);
    const firstBody = await first.text();
    expect(first.status, firstBody).toBe(200);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const order = JSON.parse(firstBody).result.data;
    expect(order).toMatchObject({ amount: 1999, currency: "USD", description: "retry me", status: "pending" });

    const again = await createOrder(body, headers);
    const againBody = await again.text();
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(againBody).toBe(firstBody);

    expect(await countOrders()).toBe(before + 1);
    const [same] = await database.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM orders WHERE description = 'retry me'`;
    expect(same?.n).toBe(1);
    const rows = await database.sql<{ principal: string }[]>`
      SELECT p.name AS principal FROM orders o JOIN principals p ON p.id = o.principal_id WHERE o.id = ${order.id}`;
    expect(rows).toEqual([{ principal: "alice" }]);
  });

  it("uses alice when there is no session cookie (the demo default)", async () => {
    const body = { accountId: await accountId("Alice Savings"), amount: 500, currency: "USD" };
    const response = await createOrder(body, { "idempotency-key": randomUUID() });
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("refuses a cookie-authenticated call from another site, and writes nothing", async () => {
    const before = await countOrders();
    const body = { accountId: await accountId("Alice Checking"), amount: 100, currency: "USD" };
    const response = await createOrder(body, {
      "idempotency-key": randomUUID(),
      cookie: "oncely_session=alice",
      origin: "https://evil.example",
    });
    expect(response.status).toBe(403);
    expect(await countOrders()).toBe(before);
  });

  it("cannot reach another principal's account from alice's session", async () => {
    const before = await countOrders();
    const body = { accountId: await accountId("Bob Checking"), amount: 100, currency: "USD" };
    const response = await createOrder(body, { "idempotency-key": randomUUID(), cookie: "oncely_session=alice" });
    expect(response.status).toBe(404);
    expect(await countOrders()).toBe(before);
  });
});
