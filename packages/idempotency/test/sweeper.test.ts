import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSweeper, sweepExpiredKeys } from "../src/sweeper";
import { startTestServer, type TestServer } from "./harness";

// The clock the middleware and the sweeper read: tests move it instead of waiting a day.
let now = new Date("2030-01-01T00:00:00Z");
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ ttlSeconds: 3600, clock: () => now });
});
afterAll(() => server.close());

const hours = (n: number) => n * 3600 * 1000;
const call = (key: string, amount = 100) =>
  server.call({ accountId: server.accounts.alice, amount }, { "idempotency-key": key });

async function insertExpiredKeys(count: number, expiresAt: Date) {
  await server.database.sql`
    INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                  response_body, created_at, expires_at)
    SELECT ${server.principals.bob}, 'bulk-' || g, 'createOrder', repeat('0', 64), 'completed', 200, '{}',
           ${expiresAt.toISOString()}::timestamptz - interval '1 hour', ${expiresAt.toISOString()}::timestamptz
    FROM generate_series(1, ${count}) AS g`;
}

describe("expiry with a controllable clock", () => {
  it("replays within the TTL and runs again once the key expired", async () => {
    const key = randomUUID();
    const first = await call(key);
    now = new Date(now.getTime() + hours(0.5));
    const replay = await call(key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toBe(first.body);

    now = new Date(now.getTime() + hours(1));
    const orders = await server.count("orders");
    const again = await call(key);
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.body).not.toBe(first.body);
    expect(await server.count("orders")).toBe(orders + 1);
  });
});

describe("sweepExpiredKeys", () => {
  it("deletes only expired keys, in bounded batches", async () => {
    const live = randomUUID();
    await call(live); // expires one hour after the current clock
    await insertExpiredKeys(250, new Date(now.getTime() - hours(1)));

    const firstBatches = await sweepExpiredKeys(server.database.db, { now, batchSize: 100, maxBatches: 2 });
    expect(firstBatches).toBe(200); // two statements of at most 100 rows
    const rest = await sweepExpiredKeys(server.database.db, { now, batchSize: 100 });
    expect(rest).toBeGreaterThanOrEqual(50);

    const [left] = await server.database.sql`
      SELECT count(*)::int AS n FROM oncely_idempotency_keys WHERE expires_at <= ${now.toISOString()}`;
    expect(left?.n).toBe(0);
    const [kept] = await server.database
      .sql`SELECT count(*)::int AS n FROM oncely_idempotency_keys WHERE key = ${live}`;
    expect(kept?.n).toBe(1);
    expect(await sweepExpiredKeys(server.database.db, { now })).toBe(0);
  });

  it("runs beside live traffic: every request succeeds and no live key is deleted", async () => {
    await insertExpiredKeys(3000, new Date(now.getTime() - hours(2)));
    const keys = Array.from({ length: 20 }, () => randomUUID());
    const [swept, answers] = await Promise.all([
      sweepExpiredKeys(server.database.db, { now, batchSize: 200 }),
      Promise.all(keys.map((key) => call(key, 7))),
    ]);
    expect(swept).toBe(3000);
    expect(answers.map((a) => a.status)).toEqual(keys.map(() => 200));
    const [live] = await server.database.sql`
      SELECT count(*)::int AS n FROM oncely_idempotency_keys WHERE key = ANY(${keys})`;
    expect(live?.n).toBe(20);
  });

  it("keeps sweeping on an interval until stopped", async () => {
    await insertExpiredKeys(30, new Date(now.getTime() - hours(3)));
    const sweeps: number[] = [];
    const sweeper = startSweeper(server.database.db, { now, intervalMs: 20, onSweep: (n) => sweeps.push(n) });
    await expect.poll(() => sweeps.length).toBeGreaterThanOrEqual(2);
    await sweeper.stop();
    expect(sweeps[0]).toBe(30);
    expect(sweeps.slice(1).every((n) => n === 0)).toBe(true);
  });
});
