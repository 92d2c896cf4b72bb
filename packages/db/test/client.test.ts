import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawTransactionSql } from "../src/client";
import { createTestDatabase, type TestDatabase } from "../src/testing";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe("rawTransactionSql", () => {
  it("runs statements inside the drizzle transaction it came from", async () => {
    const [ids, raw] = await db.db.transaction(async (tx) => {
      const raw = rawTransactionSql(tx);
      const [viaRaw] = await raw<{ xid: string }[]>`SELECT txid_current()::text AS xid`;
      const [viaDrizzle] = await tx.execute<{ xid: string }>(sql`SELECT txid_current()::text AS xid`);
      return [[viaRaw?.xid, viaDrizzle?.xid], raw] as const;
    });
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
    expect(typeof raw.savepoint).toBe("function");
  });

  it("rolls back what it wrote when the transaction fails", async () => {
    await expect(
      db.db.transaction(async (tx) => {
        await rawTransactionSql(tx)`CREATE TABLE raw_probe (id int)`;
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    const [row] = await db.sql`SELECT to_regclass('raw_probe') AS t`;
    expect(row?.t).toBeNull();
  });
});
