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

describe("migration 0002: the key table from @oncely/idempotency", () => {
  it("moves the live keys of the old table over and leaves the expired ones behind", async () => {
    const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta/_journal.json"), "utf8")) as {
      entries: { tag: string; when: number }[];
    };
    const before = journal.entries.filter((e) => e.tag < "0002");
    const fresh = await createTestDatabase();
    try {
      // The database as the previous release left it: migrations 0000 and 0001 only.
      await fresh.sql`DROP SCHEMA public CASCADE`;
      await fresh.sql`DROP SCHEMA drizzle CASCADE`;
      await fresh.sql`CREATE SCHEMA public`;
      await fresh.sql`CREATE SCHEMA drizzle`;
      await fresh.sql`CREATE TABLE drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`;
      for (const entry of before) {
        const text = readFileSync(path.join(MIGRATIONS_FOLDER, `${entry.tag}.sql`), "utf8");
        for (const statement of text.split("--> statement-breakpoint")) await fresh.sql.unsafe(statement);
        await fresh.sql`INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES (${entry.tag}, ${entry.when})`;
      }
      const [principal] = await fresh.sql`
        INSERT INTO principals (name, api_key_hash) VALUES ('carol', repeat('c', 64)) RETURNING id`;
      await fresh.sql`
        INSERT INTO idempotency_keys (principal_id, key, request_path, fingerprint, status, response_status,
                                      response_body, expires_at)
        VALUES (${principal?.id}, 'live', 'orders.create', repeat('0', 64), 'completed', 200, '{"id":1}', now() + interval '1 hour'),
               (${principal?.id}, 'gone', 'orders.create', repeat('0', 64), 'completed', 200, '{"id":2}', now() - interval '1 hour')`;

      await migrateDatabase(fresh.url);

      expect(await fresh.sql`SELECT to_regclass('public.idempotency_keys') AS old`).toEqual([{ old: null }]);
      expect(
        await fresh.sql`SELECT principal_id, key, status, response_body FROM oncely_idempotency_keys ORDER BY key`,
      ).toEqual([{ principal_id: principal?.id, key: "live", status: "completed", response_body: '{"id":1}' }]);
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
