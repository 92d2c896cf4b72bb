import type { AppRouter } from "@oncely/api";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { type AttemptEvent, createOncelyClient } from "@oncely/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFaultProxy } from "./faultProxy";
import { type RunningServer, spawnServer } from "./spawnServer";

let database: TestDatabase;
let server: RunningServer;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let accountId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.db);
  server = await spawnServer({ DATABASE_URL: database.url });
  proxy = await startFaultProxy(server.origin);
  const [account] = await database.sql<{ id: string }[]>`
    SELECT a.id FROM accounts a JOIN principals p ON p.id = a.principal_id
    WHERE p.name = 'alice' AND a.kind = 'customer' ORDER BY a.name LIMIT 1`;
  accountId = account?.id ?? "";
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await database?.drop();
});

const countOrders = async () => (await database.sql`SELECT count(*)::int AS n FROM orders`)[0]?.n as number;

describe("the SDK against apps/server through a faulty network", () => {
  it("retries a create whose response was lost after commit, with the same key, and gets the order once", async () => {
    const attempts: AttemptEvent[] = [];
    const client = createOncelyClient<AppRouter>({
      url: `${proxy.url}/trpc`,
      apiKey: "sk_test_alice",
      policy: { baseDelayMs: 10 },
      onAttempt: (event) => attempts.push(event),
    });
    const before = await countOrders();
    const seenBefore = proxy.seen.length;
    proxy.inject("drop-response-after-commit");

    const order = await client.orders.create.mutate({ accountId, amount: 4200, currency: "USD" });

    expect(order).toMatchObject({ accountId, amount: 4200, currency: "USD", status: "pending" });
    expect(await countOrders()).toBe(before + 1);
    const requests = proxy.seen.slice(seenBefore);
    expect(requests).toHaveLength(2);
    expect(requests[0]?.fault).toBe("drop-response-after-commit");
    expect(requests[0]?.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(requests[1]?.idempotencyKey).toBe(requests[0]?.idempotencyKey);
    expect(attempts.map((a) => a.attempt)).toEqual([1]);
    // The server answered the retry from its key store (the count is written in the background).
    const replayCount = async () =>
      (
        await database.sql`SELECT replay_count FROM idempotency_keys WHERE key = ${requests[0]?.idempotencyKey ?? ""}`
      )[0]?.replay_count;
    await expect.poll(replayCount).toBe(1);
  });

  it("retries a connection reset before the server saw the request, creating the order once", async () => {
    const client = createOncelyClient<AppRouter>({
      url: `${proxy.url}/trpc`,
      apiKey: "sk_test_alice",
      policy: { baseDelayMs: 10 },
    });
    const before = await countOrders();
    proxy.inject("reset-before-forward", "reset-before-forward");
    const order = await client.orders.create.mutate({ accountId, amount: 1500, currency: "USD" });
    expect(order.amount).toBe(1500);
    expect(await countOrders()).toBe(before + 1);
  });

  it("does not retry a request the server refused (400), and nothing is written", async () => {
    const client = createOncelyClient<AppRouter>({ url: `${proxy.url}/trpc`, apiKey: "sk_test_alice" });
    const before = await countOrders();
    const seenBefore = proxy.seen.length;
    await expect(client.orders.create.mutate({ accountId, amount: -1, currency: "USD" })).rejects.toMatchObject({
      name: "OncelyError",
      code: "server_error",
      httpStatus: 400,
      attempts: 1,
      retryable: false,
    });
    expect(proxy.seen.length - seenBefore).toBe(1);
    expect(await countOrders()).toBe(before);
  });
});
