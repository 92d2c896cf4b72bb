import { randomUUID } from "node:crypto";
import { seedDemo } from "@oncely/db";
import { createTestDatabase, type TestDatabase } from "@oncely/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimKey } from "../src/store";

// The claim statement bounds its own wait with lock_timeout and puts the transaction's value
// back in the same statement (no SET round trips): both halves are checked here directly.

let database: TestDatabase;
let principalId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDemo(database.db);
  const [alice] = await database.sql<{ id: string }[]>`SELECT id FROM principals WHERE name = 'alice'`;
  principalId = alice?.id ?? "";
});
afterAll(() => database.drop());

const claim = (sql: Parameters<typeof claimKey>[0], key: string, lockTimeoutMs: number) =>
  claimKey(sql, {
    principalId,
    key,
    requestPath: "test.claim",
    fingerprint: "0".repeat(64),
    ttlSeconds: 60,
    lockTimeoutMs,
    now: null,
  });

/** A connection holding `key` claimed in an open transaction, until it commits or rolls back. */
async function holdKey(key: string) {
  const holder = await database.sql.reserve();
  await holder`BEGIN`;
  expect(await claim(holder as never, key, 5_000)).toEqual({ claimed: true });
  return holder;
}

/** Resolves once some backend of this database is waiting on a lock (the claim that queued). */
async function someoneWaitsOnALock() {
  for (;;) {
    const [row] = await database.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if ((row?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("claimKey", () => {
  it("leaves the transaction's own lock_timeout in force after the claim", async () => {
    const after = await database.sql.begin(async (tx) => {
      await tx`SET LOCAL lock_timeout = '7s'`;
      expect(await claim(tx, randomUUID(), 300)).toEqual({ claimed: true });
      const [row] = await tx<{ lock_timeout: string }[]>`SHOW lock_timeout`;
      return row?.lock_timeout;
    });
    expect(after).toBe("7s");
  });

  it("bounds the wait for a key another transaction holds, then fails with lock_timeout", async () => {
    const key = randomUUID();
    const holder = await holdKey(key);
    try {
      // The holder never finishes while we wait: only the bound can end the wait.
      const waited = database.sql.begin((tx) => claim(tx, key, 200));
      await expect(waited).rejects.toMatchObject({ code: "55P03" }); // lock_not_available
    } finally {
      await holder`ROLLBACK`;
      holder.release();
    }
  });

  it("sees the winner's row after waiting for its commit: not claimed", async () => {
    const key = randomUUID();
    const holder = await holdKey(key);
    try {
      const waited = database.sql.begin((tx) => claim(tx, key, 5_000));
      await someoneWaitsOnALock(); // commit only once the second claim is queued behind ours
      await holder`COMMIT`;
      expect(await waited).toMatchObject({ claimed: false });
    } finally {
      holder.release();
    }
    const [row] = await database.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM idempotency_keys WHERE key = ${key}`;
    expect(row?.n).toBe(1);
  });
});
