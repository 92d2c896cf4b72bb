import { randomUUID } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { createDbClient, type DbClient, seedDemo } from "@oncely/db";
import { createTestDatabase, holdRowLock, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeHandler } from "../src/http/handlers";

/**
 * The database goes away under a running API: connections reset, new ones refused, or the
 * database stops answering. Every procedure (queries, plain mutations, keyed mutations, and
 * the authentication in front of them) answers 503 with Retry-After, which clients retry,
 * never a 500 and never later than the request timeout. Once the database is back, so is the
 * API, and a retried mutation runs once.
 */

/** A TCP relay in front of PostgreSQL that can cut every connection and refuse new ones. */
async function startCuttableRelay(upstreamPort: number) {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return client.resetAndDestroy();
    const upstream = net.connect(upstreamPort, "127.0.0.1");
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.pipe(b);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Resets every open connection (both ways) and refuses new ones until `restore`. */
    cut: () => {
      refusing = true;
      for (const socket of sockets) socket.resetAndDestroy();
    },
    restore: () => {
      refusing = false;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const REQUEST_TIMEOUT_MS = 1_500;

let database: TestDatabase;
let relay: Awaited<ReturnType<typeof startCuttableRelay>>;
let apiDb: DbClient;
let server: http.Server;
let url: string;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase({ max: 4 });
  await seedDemo(database.db);
  relay = await startCuttableRelay(Number(new URL(database.url).port));
  const viaRelay = new URL(database.url);
  viaRelay.port = String(relay.port);
  apiDb = createDbClient(viaRelay.toString(), { max: 4, applicationName: "api-under-test" });
  server = http.createServer(createNodeHandler({ db: apiDb.db, requestTimeoutMs: REQUEST_TIMEOUT_MS }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/trpc`;
  [{ id: accountId } = { id: "" }] = await database.sql<{ id: string }[]>`
    SELECT a.id FROM accounts a JOIN principals p ON p.id = a.principal_id
    WHERE p.name = 'alice' AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await apiDb?.close();
  await relay?.close();
  await database?.drop();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
  text: string;
}

async function call(path: string, input: unknown, options: { key?: string; apiKey?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey ?? "sk_test_alice"}` };
  if (options.key) headers["idempotency-key"] = options.key;
  const query = path.endsWith(".get") || path.endsWith(".list") || path.endsWith(".recent");
  const response = query
    ? await fetch(`${url}/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers })
    : await fetch(`${url}/${path}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(input),
      });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: JSON.parse(text), text };
}

/** A retryable "database away" answer: 503, Retry-After in seconds, a code, no internals. */
function expectDatabaseAway(answer: Answer, codes: string[]) {
  expect(answer.status, answer.text).toBe(503);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
  expect(codes).toContain(answer.body.error.data.oncelyCode);
  expect(answer.text).not.toMatch(/"stack"|node_modules|ECONN|CONNECTION_/);
}

/** Asks until the API answers `accounts.list` again (the pool reconnects by itself). */
async function untilServing(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await call("accounts.list", undefined)).status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("the API did not serve again after the database came back");
}

const count = async (table: string) =>
  Number((await database.sql.unsafe(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? -1);

const EVERY_KIND: [label: string, path: string, input: () => unknown, keyed: boolean][] = [
  ["a query", "accounts.list", () => undefined, false],
  ["a query by id", "orders.get", () => ({ orderId: randomUUID() }), false],
  ["the key inspector", "idempotency.list", () => ({ limit: 5 }), false],
  ["a mutation outside the engine", "orders.cancel", () => ({ orderId: randomUUID() }), false],
  ["a keyed mutation", "orders.create", () => ({ accountId, amount: 100, currency: "USD" }), true],
  ["a keyed mutation with a missing order", "payments.create", () => ({ orderId: randomUUID() }), true],
];

describe("connections reset and refused", () => {
  it.each(EVERY_KIND)("%s (%s) answers 503 + Retry-After and writes nothing", async (_label, path, input, keyed) => {
    await untilServing();
    const orders = await count("orders");
    const keys = await count("oncely_idempotency_keys");
    relay.cut();
    try {
      const answer = await call(path, input(), keyed ? { key: randomUUID() } : {});
      expectDatabaseAway(answer, ["database_unavailable", "transient_failure"]);
    } finally {
      relay.restore();
    }
    expect(await count("orders")).toBe(orders);
    expect(await count("oncely_idempotency_keys")).toBe(keys);
  });

  it("authentication that needs the database answers 503 too, not 401 and not 500", async () => {
    relay.cut();
    try {
      // A key the principal cache has not seen: resolving it needs the database.
      expectDatabaseAway(await call("accounts.list", undefined, { apiKey: "sk_test_bob" }), ["database_unavailable"]);
    } finally {
      relay.restore();
    }
  });

  it("once the database is back, the mutation retried with its key runs once", async () => {
    const key = randomUUID();
    const input = { accountId, amount: 777, currency: "USD", description: `retried ${key}` };
    relay.cut();
    try {
      expectDatabaseAway(await call("orders.create", input, { key }), ["database_unavailable", "transient_failure"]);
    } finally {
      relay.restore();
    }
    await untilServing();
    const first = await call("orders.create", input, { key });
    const again = await call("orders.create", input, { key });
    expect(first.status, first.text).toBe(200);
    expect(again.text).toBe(first.text);
    const rows = await database.sql`SELECT id FROM orders WHERE description = ${input.description}`;
    expect(rows).toHaveLength(1);
  });
});

describe("a connection that fails right after it is opened", () => {
  // postgres.js runs an internal query on every new connection (the array types, fetch_types)
  // and drops its promise: when that query fails (the connection is reset or the server is
  // shutting down at that moment, or here, statement_timeout cancels it) the rejection is
  // unhandled and Node ends the process (porsager/postgres#1192, #1205, #1223). An API
  // instance died so in the soak during a pg_ctl restart. patches/postgres@3.4.9.patch
  // handles that promise.
  it("does not leave an unhandled rejection behind (which would end the process)", async () => {
    const url = new URL(database.url);
    url.searchParams.set("statement_timeout", "1");
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const client = createDbClient(url.toString(), { max: 4 });
    try {
      // Four new connections at once; each query of ours may fail on the timeout, as it should.
      await Promise.allSettled(Array.from({ length: 4 }, () => client.sql`SELECT 1`));
      await new Promise((resolve) => setTimeout(resolve, 200)); // a dropped promise's rejection surfaces
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await client.close();
    }
  });
});

describe("a database that does not answer", () => {
  it("a call still waiting after requestTimeoutMs is answered 503 + Retry-After, without waiting for it", async () => {
    await untilServing();
    const order = await call("orders.create", { accountId, amount: 100, currency: "USD" }, { key: randomUUID() });
    const orderId = order.body.result.data.id as string;
    // Hold the order's row lock from outside: orders.cancel waits for it (no lock_timeout).
    const lock = await holdRowLock(database.sql, "orders", orderId);
    try {
      // The lock is only released after the answer: an API that waited for it would hang here
      // until the test's own timeout (30 s), and fail.
      const answer = await call("orders.cancel", { orderId });
      expectDatabaseAway(answer, ["request_timeout"]);
      expect(answer.body.error.message).toMatch(/may or may not take effect/);
    } finally {
      await lock.release();
    }
  });

  it("a statement the database cancels (statement_timeout) is a 503 + Retry-After, not a 500", async () => {
    // A second API whose connections carry statement_timeout = 300 ms, and a long deadline.
    const slowUrl = new URL(database.url);
    slowUrl.searchParams.set("statement_timeout", "300");
    const slowDb = createDbClient(slowUrl.toString(), { max: 2 });
    const slow = http.createServer(createNodeHandler({ db: slowDb.db, requestTimeoutMs: 20_000 }));
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const order = await call("orders.create", { accountId, amount: 100, currency: "USD" }, { key: randomUUID() });
    const orderId = order.body.result.data.id as string;
    try {
      const answer = await database.sql.begin(async (tx) => {
        await tx`SELECT id FROM orders WHERE id = ${orderId} FOR UPDATE`;
        const port = (slow.address() as net.AddressInfo).port;
        const response = await fetch(`http://127.0.0.1:${port}/trpc/orders.cancel`, {
          method: "POST",
          headers: { authorization: "Bearer sk_test_alice", "content-type": "application/json" },
          body: JSON.stringify({ orderId }),
        });
        const text = await response.text();
        return {
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          body: JSON.parse(text),
          text,
        };
      });
      expectDatabaseAway(answer, ["database_unavailable"]);
      const [row] = await database.sql`SELECT status FROM orders WHERE id = ${orderId}`;
      expect(row?.status).toBe("pending");
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
      await slowDb.close();
    }
  });

  it("the deadline is per call: a quick call right after is answered normally", async () => {
    expect((await call("accounts.list", undefined)).status).toBe(200);
  });
});
