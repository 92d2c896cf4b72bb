import { randomUUID } from "node:crypto";
import { holdRowLock, type TestDatabase } from "@oncely/db/testing";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { seededTestDatabase } from "./seededDatabase";
import { type RunningServer, spawnServer } from "./spawnServer";

// The built server on a database of its own (DATABASE_URL): what its request log, /metrics,
// /readyz and /healthz say while a key is executed, replayed, refused with 409, 422 and 400.

let database: TestDatabase;
let server: RunningServer;
let accountId: string;

beforeAll(async () => {
  ({ database, aliceAccountId: accountId } = await seededTestDatabase());
  // No ONCELY_DEMO: with DATABASE_URL demo mode is off by default.
  server = await spawnServer({ DATABASE_URL: database.url, ONCELY_DEMO: "" });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

async function call(path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${server.url}/${path}`, {
    method: "POST",
    headers: { authorization: "Bearer sk_test_alice", "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: await response.text(),
    replayed: response.headers.get("idempotent-replayed"),
  };
}

/** The server's JSON log lines about requests. */
function requestLines(): Record<string, unknown>[] {
  return server
    .output()
    .split("\n")
    .filter((line) => line.includes('"msg":"request"'))
    .map((line) => JSON.parse(line));
}

const logFor = async (requestId: string) => {
  await expect.poll(() => requestLines().find((line) => line.requestId === requestId)).toBeDefined();
  return requestLines().find((line) => line.requestId === requestId);
};

async function metrics(): Promise<string> {
  const response = await fetch(`${server.origin}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** A sample's value in Prometheus text, e.g. value(text, 'oncely_requests_total{procedure="x",outcome="y"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const requests = (procedure: string, outcome: string) =>
  `oncely_requests_total{procedure="${procedure}",outcome="${outcome}"}`;

describe("request logs and /metrics", () => {
  it("count and log an execution, a 409 while it runs, and its replay, by procedure and outcome", async () => {
    const marker = `private-${randomUUID()}`;
    const created = await call(
      "orders.create",
      { accountId, amount: 4_200, currency: "USD", description: marker },
      { "idempotency-key": randomUUID(), "x-request-id": "order-1" },
    );
    expect(created.status).toBe(200);
    const orderId = JSON.parse(created.body).result.data.id as string;

    // Hold the order's row lock, so the payment's first request waits inside its transaction
    // with its key claimed; a second request with the same key then waits for that key and,
    // after the engine's lock bound, gets 409.
    const holder = postgres(database.url, { max: 1, onnotice: () => {} });
    const lock = await holdRowLock(holder, "orders", orderId);

    const key = randomUUID();
    const first = call("payments.create", { orderId }, { "idempotency-key": key, "x-request-id": "pay-1" });
    const waiting = async () =>
      (await database.sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'`)[0]?.n;
    await expect.poll(waiting, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(value(await metrics(), "oncely_db_lock_waits")).toBeGreaterThan(0);

    const duplicate = await call("payments.create", { orderId }, { "idempotency-key": key, "x-request-id": "pay-2" });
    expect(duplicate.status).toBe(409);
    await lock.release();
    await holder.end({ timeout: 5 });
    expect((await first).status).toBe(200);
    const replay = await call("payments.create", { orderId }, { "idempotency-key": key, "x-request-id": "pay-3" });
    expect(replay.status).toBe(200);
    expect(replay.replayed).toBe("true");
    expect(replay.body).toBe((await first).body);

    const text = await metrics();
    expect(value(text, requests("orders.create", "executed"))).toBe(1);
    expect(value(text, requests("payments.create", "executed"))).toBe(1);
    expect(value(text, requests("payments.create", "in_progress"))).toBe(1);
    expect(value(text, requests("payments.create", "replayed"))).toBe(1);
    expect(value(text, 'oncely_handler_duration_seconds_count{procedure="payments.create"}')).toBe(1);
    expect(
      value(text, 'oncely_request_duration_seconds_count{procedure="payments.create",outcome="in_progress"}'),
    ).toBe(1);
    expect(value(text, "oncely_database_up")).toBe(1);
    expect(value(text, "oncely_outbox_backlog")).toBeGreaterThanOrEqual(0);
    expect(value(text, "oncely_outbox_delivery_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(value(text, "oncely_sweeper_deleted_keys_total")).toBe(0);
    expect(value(text, 'oncely_db_pool_connections{state="idle"}')).toBeGreaterThan(0);
    // PostgreSQL's row estimate follows its statistics, which are written a moment later.
    await expect
      .poll(async () => value(await metrics(), "oncely_idempotency_keys_rows"), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(2);
    expect(value(text, "oncely_db_pool_max")).toBe(10);

    const [alice] = await database.sql<{ id: string }[]>`SELECT id FROM principals WHERE name = 'alice'`;
    expect(await logFor("pay-1")).toMatchObject({
      method: "POST",
      procedure: "payments.create",
      status: 200,
      outcome: "executed",
      principalId: alice?.id,
      idempotencyKey: key,
      replayed: false,
    });
    expect(await logFor("pay-2")).toMatchObject({
      procedure: "payments.create",
      status: 409,
      outcome: "in_progress",
      code: "idempotency_key_in_progress",
      idempotencyKey: key,
      replayed: false,
    });
    expect(await logFor("pay-3")).toMatchObject({
      procedure: "payments.create",
      status: 200,
      outcome: "replayed",
      idempotencyKey: key,
      replayed: true,
    });
    expect((await logFor("pay-3"))?.durationMs).toEqual(expect.any(Number));
    // Never the API key, never a body.
    expect(server.output()).not.toContain("sk_test_alice");
    expect(server.output()).not.toContain(marker);
  });

  it("count 422 reused keys, 400 bad keys and unknown procedures without growing the label set", async () => {
    const key = randomUUID();
    const input = { accountId, amount: 1_111, currency: "USD" };
    expect((await call("orders.create", input, { "idempotency-key": key })).status).toBe(200);
    expect((await call("orders.create", { ...input, amount: 1_112 }, { "idempotency-key": key })).status).toBe(422);
    expect((await call("orders.create", input, { "idempotency-key": "two words" })).status).toBe(400);
    expect((await call(`nope.${randomUUID()}`, {}, {})).status).toBe(404);

    const text = await metrics();
    expect(value(text, requests("orders.create", "key_reused"))).toBe(1);
    expect(value(text, requests("orders.create", "invalid_key"))).toBe(1);
    expect(value(text, requests("unknown", "rejected"))).toBe(1);
    expect(text).not.toContain('procedure="nope.');
  });

  it("has no demo mode on DATABASE_URL unless asked: no chaos procedures", async () => {
    expect(server.output()).toContain('"demo":false');
    const response = await fetch(`${server.url}/chaos.get`, { headers: { authorization: "Bearer sk_test_alice" } });
    expect(response.status).toBe(404);
  });
});

describe("/readyz and /healthz", () => {
  it("/readyz says 503 while the database is away and 200 once it is back; /healthz stays 200", async () => {
    expect((await fetch(`${server.origin}/readyz`)).status).toBe(200);
    const admin = postgres(inject("oncelyPostgresUrl"), { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS false`);
      await admin`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = ${database.name} AND application_name LIKE 'oncely-server-%'`;
      const away = await fetch(`${server.origin}/readyz`);
      expect(away.status).toBe(503);
      expect(await away.json()).toEqual({ status: "database unreachable" });
      const alive = await fetch(`${server.origin}/healthz`);
      expect(alive.status).toBe(200);
      expect(await alive.json()).toEqual({ status: "ok" });
      expect(value(await metrics(), "oncely_database_up")).toBe(0);
    } finally {
      await admin.unsafe(`ALTER DATABASE ${database.name} ALLOW_CONNECTIONS true`);
      await admin.end({ timeout: 5 });
    }
    await expect.poll(async () => (await fetch(`${server.origin}/readyz`)).status, { timeout: 10_000 }).toBe(200);
  });
});
