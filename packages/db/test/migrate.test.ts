import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, migrateDatabase } from "../src/migrate";
import { seedDemo } from "../src/seed";
import { createTestDatabase, type TestDatabase } from "../src/testing";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function schemaSnapshot() {
  return db.sql`
    SELECT table_name, column_name, data_type
    FROM information_schema.columns
    WHERE table_schema = 'public'
    ORDER BY table_name, column_name`;
}

describe("migrateDatabase", () => {
  it("is a no-op when run twice", async () => {
    const applied = async () => (await db.sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`)[0]?.n;
    const before = { schema: await schemaSnapshot(), applied: await applied() };
    expect(before.applied).toBeGreaterThan(0);

    await migrateDatabase(db.url);
    await migrateDatabase(db.url);

    expect(await applied()).toBe(before.applied);
    expect(await schemaSnapshot()).toEqual(before.schema);
  });

  it("applies each migration once when several processes migrate at the same moment", async () => {
    const tablesIn = async (database: TestDatabase) =>
      (
        await database.sql`
          SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`
      )[0]?.n;
    const fresh = await createTestDatabase();
    try {
      await fresh.sql`DROP SCHEMA public CASCADE`;
      await fresh.sql`DROP SCHEMA drizzle CASCADE`;
      await fresh.sql`CREATE SCHEMA public`;
      await Promise.all([1, 2, 3, 4].map(() => migrateDatabase(fresh.url)));
      const [row] = await fresh.sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
      const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8"));
      expect(row?.n).toBe(journal.entries.length);
      // Every table the (singly migrated) template has, no more: nothing was applied twice.
      expect(await tablesIn(fresh)).toBeGreaterThan(0);
      expect(await tablesIn(fresh)).toBe(await tablesIn(db));
    } finally {
      await fresh.drop();
    }
  });
});

describe("seedDemo", () => {
  it("creates alice and bob once, with balanced opening entries, however often it runs", async () => {
    await Promise.all([seedDemo(db.db), seedDemo(db.db)]);
    await seedDemo(db.db);

    const principals = await db.sql`SELECT name FROM principals ORDER BY name`;
    expect(principals.map((p) => p.name)).toEqual(["alice", "bob"]);

    const perPrincipal = await db.sql`
      SELECT p.name, count(a.*)::int AS accounts, sum(a.balance)::bigint::text AS total
      FROM principals p JOIN accounts a ON a.principal_id = p.id
      GROUP BY p.name ORDER BY p.name`;
    // Four accounts each (merchant, two customers, equity) and money sums to zero.
    expect(perPrincipal).toEqual([
      { name: "alice", accounts: 4, total: "0" },
      { name: "bob", accounts: 4, total: "0" },
    ]);

    const mismatched = await db.sql`
      SELECT a.id FROM accounts a
      LEFT JOIN ledger_entries e ON e.account_id = a.id
      GROUP BY a.id, a.balance
      HAVING a.balance <> coalesce(sum(e.amount), 0)`;
    expect(mismatched).toHaveLength(0);
  });
});
