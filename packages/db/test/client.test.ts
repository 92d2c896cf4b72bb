import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelinedTransaction } from "../src/client";
import { schema } from "../src/index";
import { createTestDatabase, type TestDatabase } from "../src/testing";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

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
