import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing";

// postgres@3.4.9 is patched (patches/postgres@3.4.9.patch): when a transaction's backend
// dies, the stock driver crashed the process from a setImmediate (porsager/postgres#1154)
// and could run the dead transaction's remaining work on the replacement connection
// (porsager/postgres#1216). These tests fail on the unpatched driver. The demo app needs the
// patch; @oncely/idempotency does not (its own suite runs on the unpatched release).

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`CREATE TABLE probe (label text NOT NULL)`;
});
afterAll(() => db.drop());

const labels = async () =>
  (await db.sql<{ label: string }[]>`SELECT label FROM probe ORDER BY label`).map((r) => r.label);

describe("the patched postgres.js driver", () => {
  it("rejects a transaction whose connection was terminated, without crashing, and keeps the pool usable", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      await expect(
        sql.begin(async (tx) => {
          await tx`INSERT INTO probe VALUES ('lost')`;
          await tx`SELECT pg_terminate_backend(pg_backend_pid())`;
        }),
      ).rejects.toMatchObject({ code: expect.stringMatching(/CONNECTION_CLOSED|57P01/) });
      await new Promise((r) => setTimeout(r, 50)); // give a stray setImmediate its chance
      expect(uncaught).toEqual([]);

      // The same (only) connection works again, in and out of transactions.
      await sql.begin((tx) => tx`INSERT INTO probe VALUES ('after')`);
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      expect(await labels()).toEqual(["after"]);
    } finally {
      process.off("uncaughtException", onUncaught);
      await sql.end({ timeout: 5 });
      await db.sql`TRUNCATE probe`;
    }
  });

  it("never runs a dead transaction's later work inside the next transaction on the reconnected connection", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      let resume = () => {};
      const paused = new Promise<void>((r) => (resume = r));
      let pid = 0;
      const dead = sql.begin(async (tx) => {
        [{ pid } = { pid: 0 }] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        await paused; // the backend is killed while the callback is busy elsewhere
        await tx`INSERT INTO probe VALUES ('from the dead transaction')`;
      });
      const deadOutcome = dead.then(
        () => "committed",
        () => "rejected",
      );
      while (!pid) await new Promise((r) => setTimeout(r, 10));
      await db.sql`SELECT pg_terminate_backend(${pid})`;
      expect(await deadOutcome).toBe("rejected");

      // A new transaction takes the reconnected connection; the dead callback resumes meanwhile.
      const next = sql.begin(async (tx) => {
        await tx`INSERT INTO probe VALUES ('next')`;
        resume();
        await new Promise((r) => setTimeout(r, 50));
        await tx`INSERT INTO probe VALUES ('next, again')`;
      });
      await next;
      expect(await labels()).toEqual(["next", "next, again"]);
    } finally {
      await sql.end({ timeout: 5 });
      await db.sql`TRUNCATE probe`;
    }
  });

  it("runs every statement of many concurrent transactions on a one-connection pool inside its own transaction", async () => {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          sql.begin(async (tx) => {
            // Not awaited: sent behind the next statement's write.
            const first = tx<
              { xid: string }[]
            >`INSERT INTO probe VALUES (${`${i}a`}) RETURNING txid_current()::text AS xid`;
            const [second] = await tx<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
            const [firstRow] = await first;
            expect(firstRow?.xid).toBe(second?.xid);
            await tx`INSERT INTO probe VALUES (${`${i}b`})`;
            if (i % 4 === 0) throw new Error("roll back");
            return second?.xid;
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(5);
      const committed = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
      expect(new Set(committed).size).toBe(15); // fifteen distinct transactions
      const expected = Array.from({ length: 20 }, (_, i) => i)
        .filter((i) => i % 4 !== 0)
        .flatMap((i) => [`${i}a`, `${i}b`])
        .sort();
      expect(await labels()).toEqual(expected);
    } finally {
      await sql.end({ timeout: 5 });
      await db.sql`TRUNCATE probe`;
    }
  });
});
