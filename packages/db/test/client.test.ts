import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelinedTransaction, rawTransactionSql } from "../src/client";
import { schema } from "../src/index";
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

describe("pipelinedTransaction", () => {
  it("gives a drizzle transaction and its raw SQL handle on one transaction, and commits", async () => {
    const ids = await pipelinedTransaction(db.db, async (tx, raw) => {
      const viaRaw = raw<{ xid: string }[]>`SELECT txid_current()::text AS xid`; // pipelined behind BEGIN
      const [viaDrizzle] = await tx.execute<{ xid: string }>(sql`SELECT txid_current()::text AS xid`);
      await tx.insert(schema.principals).values({ name: "pipelined", apiKeyHash: "pipelined-hash" });
      return [(await viaRaw)[0]?.xid, viaDrizzle?.xid];
    });
    expect(ids[0]).toBeDefined();
    expect(ids[0]).toBe(ids[1]);
    expect(await db.sql`SELECT name FROM principals WHERE name = 'pipelined'`).toEqual([{ name: "pipelined" }]);
  });

  it("rolls back everything, the first pipelined statement included, when the callback throws", async () => {
    await expect(
      pipelinedTransaction(db.db, async (tx, raw) => {
        const first = raw`INSERT INTO principals (name, api_key_hash) VALUES ('rolled back', 'rb-hash')`.execute();
        await tx.insert(schema.principals).values({ name: "rolled back too", apiKeyHash: "rb2-hash" });
        await first;
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await db.sql`SELECT name FROM principals WHERE name LIKE 'rolled back%'`).toEqual([]);
  });
});
