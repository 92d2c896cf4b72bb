import { randomUUID } from "node:crypto";
import { sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findKey, insertAnswer, lockKey, tryClaimKey } from "../src/store";
import { createEngineDatabase, type EngineDatabase } from "./engineDatabase";

// The claim: the key's advisory lock, its wait bounded by lock_timeout inside the statement
// (the transaction's own value is back afterwards), then the key's row read by a statement of
// its own, so the read sees what the previous holder committed. Checked here directly.

let database: EngineDatabase;
const principalId = "user_claim";
beforeAll(async () => {
  database = await createEngineDatabase();
});
afterAll(() => database.drop());

const ref = (key: string) => ({ principalId, key });

/** A transaction holding `key`'s lock (with its answer written), until the test commits or rolls back. */
async function holdKey(key: string) {
  let decide: (commit: boolean) => void = () => {};
  const decision = new Promise<boolean>((resolve) => (decide = resolve));
  let locked: () => void = () => {};
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const finished = database.db
    .transaction(async (tx) => {
      await lockKey(tx, ref(key), 5_000);
      await insertAnswer(tx, {
        ...ref(key),
        requestPath: "test.claim",
        fingerprint: "0".repeat(64),
        ttlSeconds: 60,
        now: null,
        responseStatus: 200,
        responseBody: '{"first":true}',
      });
      locked();
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

describe("the claim", () => {
  it("leaves the transaction's own lock_timeout in force after taking the key's lock", async () => {
    const after = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL lock_timeout = '7s'`);
      await lockKey(tx, ref(randomUUID()), 300);
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
      const waited = database.db.transaction((tx) => lockKey(tx, ref(key), 200));
      // lock_not_available, raised by PostgreSQL (drizzle keeps it as the cause)
      await expect(waited).rejects.toMatchObject({ cause: { code: "55P03" } });
    } finally {
      await holder.rollback();
    }
  });

  it("does not make another key wait", async () => {
    const holder = await holdKey(randomUUID());
    try {
      await expect(database.db.transaction((tx) => lockKey(tx, ref(randomUUID()), 200))).resolves.toBeUndefined();
    } finally {
      await holder.rollback();
    }
  });

  /** A second claim queued behind a holder of `key`, which then ends as told: what that claim reads. */
  async function claimBehindHolder(ending: "commit" | "rollback") {
    const key = randomUUID();
    const holder = await holdKey(key);
    const waited = database.db.transaction(async (tx) => {
      const [, row] = await Promise.all([lockKey(tx, ref(key), 5_000), findKey(tx, ref(key), null)]);
      return row;
    });
    await someoneWaitsOnALock(); // end the holder only once the second claim is queued behind it
    await holder[ending]();
    return waited;
  }

  it("reads, behind the lock, the answer the holder committed while it waited", async () => {
    expect(await claimBehindHolder("commit")).toMatchObject({
      status: "completed",
      responseBody: '{"first":true}',
      expired: false,
    });
  });

  it("reads no row when the holder rolled back: the key is free", async () => {
    expect(await claimBehindHolder("rollback")).toBeNull();
  });

  it("takes a free key's lock and reads its row in one statement; a held key is refused at once", async () => {
    const key = randomUUID();
    const holder = await holdKey(key);
    try {
      // The holder never finishes while we try: only "refused at once" can end this.
      const held = await database.db.transaction((tx) => tryClaimKey(tx, ref(key), null));
      expect(held).toEqual({ locked: false, row: null });
    } finally {
      await holder.commit();
    }
    const free = await database.db.transaction((tx) => tryClaimKey(tx, ref(key), null));
    expect(free.locked).toBe(true);
    expect(free.row).toMatchObject({ status: "completed", responseBody: '{"first":true}', expired: false });
    const unknown = await database.db.transaction((tx) => tryClaimKey(tx, ref(randomUUID()), null));
    expect(unknown).toEqual({ locked: true, row: null });
  });
});
