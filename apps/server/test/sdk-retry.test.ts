import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { AppRouter } from "@oncely/api";
import type { TestDatabase } from "@oncely/db/testing";
import { type AttemptEvent, createOncelyClient, type OncelyClientOptions, withMeta } from "@oncely/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fault, startFaultProxy } from "./faultProxy";
import { seededTestDatabase } from "./seededDatabase";
import { type RunningServer, spawnServer } from "./spawnServer";

// The SDK against the real apps/server (a child process on its own test database), through a
// proxy that breaks the network in the ways a payments client meets in production.

/** An attempt is abandoned after this long; the proxy's "delay-response" holds answers longer. */
const ATTEMPT_TIMEOUT_MS = 1_000;
const PROXY_DELAY_MS = 2_500;

let database: TestDatabase;
let server: RunningServer;
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
let accountId: string;
let nextAmount = 10_000;

beforeAll(async () => {
  ({ database, aliceAccountId: accountId } = await seededTestDatabase());
  server = await spawnServer({ DATABASE_URL: database.url });
  proxy = await startFaultProxy(server.origin, { delayMs: PROXY_DELAY_MS });
});
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await database?.drop();
});

const countOrders = async () => (await database.sql`SELECT count(*)::int AS n FROM orders`)[0]?.n as number;
const ordersWithAmount = async (amount: number) =>
  database.sql<{ id: string }[]>`SELECT id FROM orders WHERE amount = ${amount}`;
const keyRows = async (key: string) =>
  database.sql<{ response_body: string; status: string }[]>`
    SELECT response_body, status FROM oncely_idempotency_keys WHERE key = ${key}`;

function client(options: Partial<OncelyClientOptions> = {}) {
  return createOncelyClient<AppRouter>({
    url: `${proxy.url}/trpc`,
    apiKey: "sk_test_alice",
    policy: { baseDelayMs: 10, attemptTimeoutMs: ATTEMPT_TIMEOUT_MS },
    ...options,
  });
}

describe("the SDK against apps/server through a faulty network", () => {
  it.each<{ fault: Fault; replayed: boolean }>([
    // The server committed; only the answer was lost. The retry is answered from the key store.
    { fault: "drop-response-after-commit", replayed: true },
    // The server never saw the first attempt. The retry is the first execution.
    { fault: "reset-before-forward", replayed: false },
    // A load balancer refused the first attempt (HTML bodies, Retry-After in seconds / as a date).
    { fault: "unavailable-503", replayed: false },
    { fault: "rate-limited-429", replayed: false },
    // The answer came after the attempt timeout; the server had committed, so the retry replays.
    { fault: "delay-response", replayed: true },
  ])("$fault: one order in the database, the original answer, replayed=$replayed", async ({ fault, replayed }) => {
    const attempts: AttemptEvent[] = [];
    const oncely = client({ onAttempt: (event) => attempts.push(event) });
    const amount = nextAmount++;
    const before = await countOrders();
    const seenBefore = proxy.seen.length;
    proxy.inject(fault);

    const result = await withMeta((context) =>
      oncely.orders.create.mutate({ accountId, amount, currency: "USD" }, { context }),
    );

    // Exactly one effect.
    expect(await countOrders()).toBe(before + 1);
    const created = await ordersWithAmount(amount);
    expect(created).toHaveLength(1);
    // The original answer: the order that was created, byte for byte what the server stored.
    expect(result.data).toMatchObject({ id: created[0]?.id, accountId, amount, currency: "USD", status: "pending" });
    const rows = await keyRows(result.key ?? "");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe("completed");
    expect(JSON.parse(rows[0]?.response_body ?? "null")).toEqual(result.data);
    expect(result.replayed).toBe(replayed);
    // The server counts replays in the background.
    const replayCount = async () =>
      (await database.sql`SELECT replay_count FROM oncely_idempotency_keys WHERE key = ${result.key ?? ""}`)[0]
        ?.replay_count;
    await expect.poll(replayCount).toBe(replayed ? 1 : 0);

    // Every attempt carried the same key; the first met the fault.
    const requests = proxy.seen.slice(seenBefore);
    expect(requests[0]?.fault).toBe(fault);
    expect(result.key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(requests.map((request) => request.idempotencyKey)).toEqual(requests.map(() => result.key));
    expect(result.attempts).toBe(requests.length);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toHaveLength(result.attempts - 1);
  });

  it("waits what the proxy's Retry-After says", async () => {
    const waits: number[] = [];
    const oncely = client({ onAttempt: (event) => waits.push(event.delayMs) });
    proxy.inject("unavailable-503", "rate-limited-429");
    await oncely.orders.create.mutate({ accountId, amount: nextAmount++, currency: "USD" });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBe(1_000);
    // An HTTP date two seconds ahead, to the second: more than 0 and at most 2 s from now.
    expect(waits[1]).toBeGreaterThan(0);
    expect(waits[1]).toBeLessThanOrEqual(2_000);
  });

  it("fails fast once the retry budget is spent, and nothing is written", async () => {
    const oncely = client({ retryBudget: { capacity: 5 } });
    const before = await countOrders();
    const seenBefore = proxy.seen.length;
    // One retry (5 tokens) empties the bucket; the second 503 is not retried.
    proxy.inject("unavailable-503", "unavailable-503");
    await expect(
      oncely.orders.create.mutate({ accountId, amount: nextAmount++, currency: "USD" }),
    ).rejects.toMatchObject({
      name: "OncelyError",
      code: "retry_budget_exhausted",
      httpStatus: 503,
      attempts: 2,
      retryable: true,
    });
    expect(proxy.seen.length - seenBefore).toBe(2);
    expect(await countOrders()).toBe(before);
  });

  it("does not retry a request the server refused (400), and nothing is written", async () => {
    const oncely = client();
    const before = await countOrders();
    const seenBefore = proxy.seen.length;
    await expect(oncely.orders.create.mutate({ accountId, amount: -1, currency: "USD" })).rejects.toMatchObject({
      name: "OncelyError",
      code: "server_error",
      httpStatus: 400,
      attempts: 1,
      retryable: false,
    });
    expect(proxy.seen.length - seenBefore).toBe(1);
    expect(await countOrders()).toBe(before);
  });

  it("replays a business answer to the same key and refuses the key for other input (422)", async () => {
    const oncely = client();
    const input = { accountId, amount: nextAmount++, currency: "USD" };
    const first = await withMeta((context) => oncely.orders.create.mutate(input, { context }), {
      idempotencyKey: `reuse-${input.amount}`,
    });
    const again = await withMeta((context) => oncely.orders.create.mutate(input, { context }), {
      idempotencyKey: `reuse-${input.amount}`,
    });
    expect(again).toEqual({ ...first, replayed: true });
    await expect(
      oncely.orders.create.mutate(
        { ...input, amount: input.amount + 1 },
        { context: { idempotencyKey: `reuse-${input.amount}` } },
      ),
    ).rejects.toMatchObject({
      code: "server_error",
      httpStatus: 422,
      serverCode: "idempotency_key_reused",
      attempts: 1,
    });
    expect(await ordersWithAmount(input.amount)).toHaveLength(1);
  });

  it("runs the SDK README's first example as written", async () => {
    const stdout = await runReadmeExample(/```ts\n([\s\S]*?)```/, server.url);
    expect(stdout).toMatch(
      /^[0-9a-f-]{36} pending \{\s+key: '[0-9a-f-]{36}',\s+attempts: 1,\s+replayed: false\s+\}\n$/,
    );
  });

  it("runs the SDK README's metrics example: a retry counted by procedure and reason", async () => {
    // The list query goes through, the order's first attempt meets a balancer's 503.
    proxy.inject("pass", "unavailable-503");
    const stdout = await runReadmeExample(/## Counting retries[\s\S]*?```ts\n([\s\S]*?)```/, `${proxy.url}/trpc`);
    expect(stdout).toContain('oncely_client_retries_total{procedure="orders.create",reason="503"} 1');
    expect(stdout).toContain('oncely_client_calls_total{procedure="orders.create",outcome="executed"} 1');
  });
});

/** Runs a ```ts block of the SDK's README (the pattern's first group) against `url`; its stdout. */
async function runReadmeExample(block: RegExp, url: string): Promise<string> {
  const readme = await fs.readFile(path.resolve(import.meta.dirname, "../../../packages/sdk/README.md"), "utf8");
  const example = block.exec(readme)?.[1] ?? "";
  expect(example).toContain("createOncely");
  // Inside apps/server so that `@oncely/sdk` resolves as it does for a user of the package.
  const dir = await fs.mkdtemp(path.join(import.meta.dirname, ".readme-"));
  try {
    await fs.writeFile(path.join(dir, "example.ts"), example);
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "example.ts"], {
      cwd: dir,
      env: { ...process.env, ONCELY_URL: url, ONCELY_API_KEY: "sk_test_alice" },
    });
    return stdout;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
