import { randomUUID } from "node:crypto";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSession } from "../server/session";
import { type RunningWeb, startBuiltWeb } from "./nextServer";

// The app outside demo mode (ONCELY_DEMO=0): nobody acts without signing in with an API key,
// and the session cookie counts only when this server signed it.

const SECRET = "web-test-secret-".repeat(4);
let database: TestDatabase;
let web: RunningWeb;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.db);
  web = await startBuiltWeb(database.url, { env: { ONCELY_DEMO: "0", ONCELY_SESSION_SECRET: SECRET } });
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

const count = async (table: "orders" | "oncely_idempotency_keys") =>
  (await database.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM ${database.sql(table)}`)[0]?.n ?? -1;

function post(path: string, body: string, headers: Record<string, string>) {
  return fetch(`${web.origin}${path}`, { method: "POST", headers, body, redirect: "manual" });
}

function createOrder(body: unknown, headers: Record<string, string>) {
  return post("/api/trpc/orders.create", JSON.stringify(body), { "content-type": "application/json", ...headers });
}

function sessionForm(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return post("/session", new URLSearchParams(fields).toString(), {
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });
}

/** Signs in with an API key; returns the `cookie` header value for the session. */
async function signIn(apiKey: string): Promise<string> {
  const response = await sessionForm({ action: "sign-in", apiKey });
  expect(response.status).toBe(303);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("oncely_session="));
  if (!cookie) throw new Error("no session cookie");
  return cookie.split(";")[0] ?? "";
}

let alice: string;
let bob: string;
beforeAll(async () => {
  alice = await signIn("sk_test_alice");
  bob = await signIn("sk_test_bob");
});

describe("signing in with an API key", () => {
  it("sets an httpOnly, SameSite=Lax session cookie that holds no key, Secure only over https", async () => {
    const response = await sessionForm({ action: "sign-in", apiKey: "sk_test_alice" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^oncely_session=[\w-]+\.[\w-]+;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    expect(Buffer.from(cookie?.split("=")[1]?.split(".")[0] ?? "", "base64url").toString()).not.toContain("sk_test");

    const overHttps = await sessionForm(
      { action: "sign-in", apiKey: "sk_test_alice" },
      { "x-forwarded-proto": "https" },
    );
    expect(overHttps.headers.getSetCookie()[0]).toMatch(/;\s*Secure/i);
  });

  it("refuses an unknown API key: back to the form with an error, no cookie", async () => {
    const response = await sessionForm({ action: "sign-in", apiKey: "sk_test_mallory" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/sign-in?error=unknown-key");
    expect(response.headers.getSetCookie()).toEqual([]);
    const page = await (await fetch(`${web.origin}/sign-in?error=unknown-key`)).text();
    expect(page).toContain("No account has that API key");
  });

  it("shows the signed-in principal's accounts and nothing of the other's, and never an API key", async () => {
    const html = await (await fetch(`${web.origin}/`, { headers: { cookie: bob } })).text();
    expect(html).toContain("Bob Checking");
    expect(html).toContain("$1,500.00");
    expect(html).not.toContain("Alice Checking");
    expect(html).toMatch(/Signed in as <strong[^>]*>bob<\/strong>/);
    expect(html).not.toContain("sk_test_");
    expect(html).not.toContain("Switch to");
  });

  it("refuses a cookie-authenticated sign-in from another site", async () => {
    const response = await sessionForm(
      { action: "sign-in", apiKey: "sk_test_alice" },
      { origin: "https://evil.example" },
    );
    expect(response.status).toBe(403);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("has no principal switch outside demo mode", async () => {
    const response = await sessionForm({ action: "switch", principal: "bob" }, { cookie: alice });
    expect(response.status).toBe(404);
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe("no acting without a real sign-in (forged, tampered, missing and ended sessions)", () => {
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;
  const forgedAndTampered = () => {
    const [, signature] = alice.split("=")[1]?.split(".") ?? [];
    const bobsClaim = Buffer.from(JSON.stringify({ kind: "key", sid: "guessed-session-id", exp: inAnHour() }));
    return {
      missing: undefined,
      "the old unsigned cookie": "oncely_session=alice",
      "a claim signed with another secret": `oncely_session=${signSession({ kind: "demo", name: "alice", exp: inAnHour() }, "x".repeat(32))}`,
      "another claim under alice's genuine signature": `oncely_session=${bobsClaim.toString("base64url")}.${signature}`,
      "a genuine demo claim (demo claims count only in demo mode)": `oncely_session=${signSession({ kind: "demo", name: "alice", exp: inAnHour() }, SECRET)}`,
    };
  };

  it("answers 401 to the API and writes nothing", async () => {
    const body = { accountId: await accountId("Alice Checking"), amount: 100, currency: "USD" };
    const before = { orders: await count("orders"), keys: await count("oncely_idempotency_keys") };
    for (const [what, cookie] of Object.entries(forgedAndTampered())) {
      const response = await createOrder(body, { "idempotency-key": randomUUID(), ...(cookie ? { cookie } : {}) });
      expect(response.status, what).toBe(401);
      expect((await response.json()).error.data.oncelyCode, what).toBe("unauthenticated");
    }
    expect({ orders: await count("orders"), keys: await count("oncely_idempotency_keys") }).toEqual(before);
  });

  it("sends every page to the sign-in form", async () => {
    for (const [what, cookie] of Object.entries(forgedAndTampered())) {
      for (const path of ["/", "/orders", "/keys"]) {
        const response = await fetch(`${web.origin}${path}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
        expect(response.status, `${what} ${path}`).toBe(307);
        expect(response.headers.get("location"), `${what} ${path}`).toMatch(/\/sign-in$/);
      }
    }
  });

  it("ends the session on sign-out: the same cookie acts no more", async () => {
    const session = await signIn("sk_test_alice");
    const body = { accountId: await accountId("Alice Checking"), amount: 150, currency: "USD" };
    expect((await createOrder(body, { "idempotency-key": randomUUID(), cookie: session })).status).toBe(200);
    const out = await sessionForm({ action: "sign-out" }, { cookie: session });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/sign-in");
    expect(out.headers.getSetCookie()[0]).toMatch(/^oncely_session=;/);
    const before = await count("orders");
    const after = await createOrder(body, { "idempotency-key": randomUUID(), cookie: session });
    expect(after.status).toBe(401);
    expect(await count("orders")).toBe(before);
  });
});

describe("the pages", () => {
  it("render orders, transfers, the ledger and the key inspector for the session's principal", async () => {
    for (const [path, text] of [
      ["/orders", "Create order"],
      ["/transfers", "Move money between your accounts"],
      ["/ledger", "Every movement of money is two entries"],
      ["/keys", "Idempotency keys"],
      ["/", "Recent ledger entries"],
    ]) {
      const response = await fetch(`${web.origin}${path}`, { headers: { cookie: alice } });
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toContain(text);
    }
  });

  it("answers 404 for an unknown order, a malformed id and another principal's order or transfer", async () => {
    const body = { accountId: await accountId("Bob Checking"), amount: 300, currency: "USD" };
    const bobs = await createOrder(body, { "idempotency-key": randomUUID(), cookie: bob });
    const bobOrder = (await bobs.json()).result.data.id;
    for (const path of [
      `/orders/${randomUUID()}`,
      "/orders/not-an-id",
      `/orders/${bobOrder}`,
      `/transfers/${randomUUID()}`,
    ]) {
      const response = await fetch(`${web.origin}${path}`, { headers: { cookie: alice } });
      expect(response.status, path).toBe(404);
      expect(await response.text()).toContain("There is nothing here");
    }
    const mine = await fetch(`${web.origin}/orders/${bobOrder}`, { headers: { cookie: bob } });
    expect(mine.status).toBe(200);
  });
});

describe("the idempotency key inspector", () => {
  it("lists a key, shows its stored answer and links to the order it produced, also for an odd key", async () => {
    const key = `odd%41/key?${randomUUID().slice(0, 8)}`;
    const body = { accountId: await accountId("Alice Checking"), amount: 4_321, currency: "USD" };
    const created = await createOrder(body, { "idempotency-key": key, cookie: alice });
    const order = (await created.json()).result.data;

    const list = await (await fetch(`${web.origin}/keys`, { headers: { cookie: alice } })).text();
    expect(list).toContain(`href="/keys/${encodeURIComponent(key)}"`);
    const detail = await fetch(`${web.origin}/keys/${encodeURIComponent(key)}`, { headers: { cookie: alice } });
    expect(detail.status).toBe(200);
    const html = await detail.text();
    expect(html).toContain(key);
    expect(html).toContain(order.id);
    expect(html).toContain(`href="/orders/${order.id}"`);
    expect(html).toContain("Create an order");
    const missing = await fetch(`${web.origin}/keys/${encodeURIComponent(`${key}-other`)}`, {
      headers: { cookie: alice },
    });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("No answer stored under this key");
  });
});

describe("chaos outside demo mode (ONCELY_DEMO=0)", () => {
  it("shows no chaos panel, and the API refuses chaos.get and chaos.set with 404", async () => {
    const html = await (await fetch(`${web.origin}/orders`, { headers: { cookie: alice } })).text();
    expect(html).not.toContain("Chaos panel");
    const get = await fetch(`${web.origin}/api/trpc/chaos.get`, { headers: { cookie: alice } });
    expect(get.status).toBe(404);
    expect((await get.json()).error.data.oncelyCode).toBe("chaos_unavailable");
    const set = await post(
      "/api/trpc/chaos.set",
      JSON.stringify({ failBeforeCommit: 0, dropResponses: 5, latencyMs: 0 }),
      {
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
        cookie: alice,
      },
    );
    expect(set.status).toBe(404);
    expect((await set.json()).error.data.oncelyCode).toBe("chaos_unavailable");
    const body = { accountId: await accountId("Alice Checking"), amount: 250, currency: "USD" };
    const created = await createOrder(body, { "idempotency-key": randomUUID(), cookie: alice });
    expect(created.status).toBe(200);
    expect(created.headers.get("oncely-chaos")).toBeNull();
  });
});

describe("POST /api/trpc/orders.create", () => {
  it("acts as the session's principal, creates one order, and replays a retry byte for byte", async () => {
    const before = await count("orders");
    const body = {
      accountId: await accountId("Alice Checking"),
      amount: 1999,
      currency: "USD",
      description: "retry me",
    };
    const headers = { "idempotency-key": randomUUID(), cookie: alice };

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

    expect(await count("orders")).toBe(before + 1);
    const rows = await database.sql<{ principal: string }[]>`
      SELECT p.name AS principal FROM orders o JOIN principals p ON p.id = o.principal_id WHERE o.id = ${order.id}`;
    expect(rows).toEqual([{ principal: "alice" }]);
  });

  it("passes a request with its own Authorization (a script's API key) on as it is", async () => {
    const body = { accountId: await accountId("Bob Savings"), amount: 500, currency: "USD" };
    const response = await createOrder(body, { "idempotency-key": randomUUID(), authorization: "Bearer sk_test_bob" });
    expect(response.status, await response.clone().text()).toBe(200);
  });

  it("refuses a cookie-authenticated call from another site, and writes nothing", async () => {
    const before = await count("orders");
    const body = { accountId: await accountId("Alice Checking"), amount: 100, currency: "USD" };
    const response = await createOrder(body, {
      "idempotency-key": randomUUID(),
      cookie: alice,
      origin: "https://evil.example",
    });
    expect(response.status).toBe(403);
    expect(await count("orders")).toBe(before);
  });

  it("cannot reach another principal's account from alice's session", async () => {
    const before = await count("orders");
    const body = { accountId: await accountId("Bob Checking"), amount: 100, currency: "USD" };
    const response = await createOrder(body, { "idempotency-key": randomUUID(), cookie: alice });
    expect(response.status).toBe(404);
    expect(await count("orders")).toBe(before);
  });
});
