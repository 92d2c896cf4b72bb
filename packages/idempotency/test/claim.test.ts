import { randomUUID } from "node:crypto";
import { sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimKey } from "../src/store";
import { createEngineDatabase, type EngineDatabase } from "./engineDatabase";

// The claim statement bounds its own wait with lock_timeout and puts the transaction's value
// back in the same statement (no SET round trips): both halves are checked here directly.

let database: EngineDatabase;
const principalId = "user_claim";
beforeAll(async () => {
  database = await createEngineDatabase();
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

/** A transaction holding `key` claimed, until the test commits or rolls it back. */
async function holdKey(key: string) {
  let decide: (commit: boolean) => void = () => {};
  const decision = new Promise<boolean>((resolve) => (decide = resolve));
  let claimed: () => void = () => {};
  const holding = new Promise<void>((resolve) => (claimed = resolve));
  const finished = database.db
    .transaction(async (tx) => {
      expect(await claim(tx, key, 5_000)).toEqual({ claimed: true });
      claimed();
      if (!(await decision)) tx.rollback();
    })
    .catch((error: unknown) => {
      if (!(error instanceof TransactionRollbackError)) throw error;
    });
  await holding;
  const end = (commit: boolean) => {
    decide(commit);
    return finished;
  };
  return { commit: () => end(true), rollback: () => end(false) };
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
    const after = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL lock_timeout = '7s'`);
      expect(await claim(tx, randomUUID(), 300)).toEqual({ claimed: true });
      const [row] = await tx.execute<{ lock_timeout: string }>(sql`SHOW lock_timeout`);
      return row?.lock_timeout;
    });
    expect(after).toBe("7s");
  });

  it("bounds the wait for a key another transaction holds, then fails with lock_timeout", async () => {
    const key = randomUUID();
    const holder = await holdKey(key);
    try {
      // The holder never finishes while we wait: only the bound can end the wait.
      const waited = database.db.transaction((tx) => claim(tx, key, 200));
      // lock_not_available, raised by PostgreSQL (drizzle keeps it as the cause)
      await expect(waited).rejects.toMatchObject({ cause: { code: "55P03" } });
    } finally {
      await holder.rollback();
    }
  });

  it("sees the winner's row after waiting for its commit: not claimed", async () => {
    const key = randomUUID();
    const holder = await holdKey(key);
    try {
      const waited = database.db.transaction((tx) => claim(tx, key, 5_000));
      await someoneWaitsOnALock(); // commit only once the second claim is queued behind ours
      await holder.commit();
      expect(await waited).toMatchObject({ claimed: false });
    } finally {
      await holder.rollback();
    }
    const [row] = await database.sql<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM oncely_idempotency_keys WHERE key = ${key}`;
    expect(row?.n).toBe(1);
  });
});
