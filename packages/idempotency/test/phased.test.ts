import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeAbandonedKeys } from "../src/index";
import { startCardProcessor } from "./fixtures/cardProcessor";
import { spawnCrashServer } from "./fixtures/spawnCrashServer";
import { createTestCaller } from "./fixtures/testRouter";
import { startTestServer, type TestServer } from "./harness";

// Phased mode against a fake outside card processor that deduplicates by key and counts.
const LEASE_SECONDS = 2;
let processor: Awaited<ReturnType<typeof startCardProcessor>>;
let server: TestServer;

beforeAll(async () => {
  processor = await startCardProcessor();
  server = await startTestServer({}, { processorUrl: processor.url, phased: { leaseSeconds: LEASE_SECONDS } });
});
afterAll(async () => {
  await server.close();
  await processor.close();
});

const charge = (key: string, token = "tok_ok", amount = 2500) =>
  server.callPath("chargeCard", { accountId: server.accounts.alice, amount, token }, { "idempotency-key": key });

const ordersFor = async (key: string) =>
  server.database.sql<{ status: string }[]>`SELECT status FROM orders WHERE description = ${key}`;
const keyRow = async (key: string) =>
  (
    await server.database.sql`
      SELECT status, recovery_point, response_status, locked_until > now() AS leased
      FROM oncely_idempotency_keys WHERE key = ${key}`
  )[0];

/** A server process that dies at `crashAt` during the first request with `key`, leaving its lease. */
async function crashDuring(key: string, crashAt: string, leaseSeconds = LEASE_SECONDS) {
  const victim = await spawnCrashServer({
    databaseUrl: server.database.url,
    principals: server.principals,
    crashAt,
    processorUrl: processor.url,
    leaseSeconds,
  });
  const died = fetch(`http://127.0.0.1:${victim.port}/trpc/chargeCard`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key },
    body: JSON.stringify({ accountId: server.accounts.alice, amount: 2500 }),
  });
  await expect(died).rejects.toThrow();
  await victim.exited;
}

const waitForLeaseToLapse = (key: string) =>
  expect.poll(async () => (await keyRow(key))?.leased, { timeout: 20_000 }).toBe(false);

const resume = () => {
  const caller = createTestCaller({
    db: server.database.db,
    principals: server.principals,
    processorUrl: processor.url,
    phased: { leaseSeconds: LEASE_SECONDS },
  });
  return resumeAbandonedKeys(server.database.db, {
    invoke: ({ principalId, key, input }) => caller(principalId, key).chargeCard(input as never),
  });
};

describe("phased mode", () => {
  it("runs every phase once, charges once, and replays the stored answer", async () => {
    const key = randomUUID();
    const charges = processor.charges();
    const first = await charge(key);
    const again = await charge(key);

    expect(first.status).toBe(200);
    expect(first.json.result.data).toMatchObject({ status: "paid", chargeId: expect.stringMatching(/^ch_/) });
    expect(again.body).toBe(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(processor.charges()).toBe(charges + 1);
    expect(await ordersFor(key)).toEqual([{ status: "paid" }]);
    expect(await keyRow(key)).toMatchObject({ status: "completed", recovery_point: "record", response_status: 200 });
  });

  it("stores a decline from the outside service as a business error and replays it", async () => {
    const key = randomUUID();
    const first = await charge(key, "tok_declined");
    const again = await charge(key, "tok_declined");
    expect(first.status).toBe(402);
    expect(first.json.error).toMatchObject({ message: "The card was declined", data: { code: "PAYMENT_REQUIRED" } });
    expect(again.body).toBe(first.body);
    expect(await keyRow(key)).toMatchObject({ status: "completed", response_status: 402 });
  });

  it("refuses the same key with other input (422) and a missing key (400)", async () => {
    const key = randomUUID();
    await charge(key, "tok_ok", 100);
    expect((await charge(key, "tok_ok", 200)).status).toBe(422);
    expect((await server.callPath("chargeCard", { accountId: server.accounts.alice, amount: 1 })).status).toBe(400);
  });

  it("killed after the card was charged but before recording it: the resumer finishes with one charge", async () => {
    const key = randomUUID();
    const charges = processor.charges();
    // A lease long enough that the retry below certainly comes while it runs.
    await crashDuring(key, "phase-called:charge", 8);

    // The charge happened; the key is in progress at its last recovery point, leased.
    expect(processor.charges()).toBe(charges + 1);
    expect(await keyRow(key)).toMatchObject({ status: "in_progress", recovery_point: "reserve", leased: true });
    // While the dead worker's lease runs, a retry is told to come back, not run twice.
    const early = await charge(key);
    expect(early.status).toBe(409);
    expect(early.headers.get("retry-after")).toBeTruthy();

    await waitForLeaseToLapse(key);
    const report = await resume();
    expect(report.errors).toEqual([]);

    // The repeated call reached the processor with the same derived key: still one charge.
    expect(processor.charges()).toBe(charges + 1);
    expect(await ordersFor(key)).toEqual([{ status: "paid" }]);
    expect(await keyRow(key)).toMatchObject({ status: "completed", recovery_point: "record", response_status: 200 });
    const retry = await charge(key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.json.result.data.chargeId).toMatch(/^ch_/);
  });

  it("killed after the first phase committed: the retry skips it and completes with one order and one charge", async () => {
    const key = randomUUID();
    const charges = processor.charges();
    await crashDuring(key, "phase-done:reserve");
    expect(await ordersFor(key)).toEqual([{ status: "pending" }]);
    expect(processor.charges()).toBe(charges);

    await waitForLeaseToLapse(key);
    const retry = await charge(key); // a client retry takes the lapsed lease over
    expect(retry.status).toBe(200);
    expect(await ordersFor(key)).toEqual([{ status: "paid" }]);
    expect(processor.charges()).toBe(charges + 1);
  });

  it("gives up on a key stuck longer than the limit: every retry gets the stored 500", async () => {
    const key = randomUUID();
    await crashDuring(key, "phase-done:reserve");
    await waitForLeaseToLapse(key);
    const report = await resumeAbandonedKeys(server.database.db, {
      invoke: async () => {
        throw new Error("must not be called for a key past the limit");
      },
      giveUpAfterSeconds: 0,
    });
    expect(report.failed).toBeGreaterThanOrEqual(1);
    expect(report.errors).toEqual([]);
    const retry = await charge(key);
    expect(retry.status).toBe(500);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await keyRow(key)).toMatchObject({ status: "completed", recovery_point: "abandoned" });
  });
});
