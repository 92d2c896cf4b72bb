import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { renderSqlFile, SQL_FILE } from "../scripts/sqlFile";
import { applyShippedSql, createEngineDatabase, type EngineDatabase, SQL_DIR } from "./engineDatabase";

// The package ships its table two ways: a Drizzle definition (src/schema.ts, for apps that
// generate their own migrations, like the Oncely demo) and plain SQL files (sql/). Both must
// describe the same table, and the SQL must be safe to apply again.

let database: EngineDatabase;
beforeAll(async () => {
  database = await createEngineDatabase({ max: 2 });
});
afterAll(() => database.drop());

/** The key table as the catalog sees it: columns, constraints and indexes, in a stable order. */
async function describeKeyTable(sql: postgres.Sql) {
  const table = "oncely_idempotency_keys";
  const columns = await sql`
    SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ${table}
    ORDER BY ordinal_position`;
  const constraints = await sql`
    SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
    WHERE conrelid = ${table}::regclass ORDER BY conname`;
  const indexes = await sql`
    SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ${table}
    ORDER BY indexname`;
  return { columns: [...columns], constraints: [...constraints], indexes: [...indexes] };
}

describe("the shipped SQL", () => {
  it("is what the Drizzle definition generates today (run `pnpm generate:sql` after a schema change)", async () => {
    expect(await readdir(SQL_DIR)).toEqual([SQL_FILE]);
    expect(await readFile(path.join(SQL_DIR, SQL_FILE), "utf8")).toBe(await renderSqlFile());
  });

  it("can be applied again to a database that has it: nothing changes", async () => {
    const before = await describeKeyTable(database.sql);
    expect(before.columns).toHaveLength(16);
    await database.sql`INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, expires_at)
      VALUES ('user_1', 'k', 'p', repeat('0', 64), 'completed', now())`;
    expect(await applyShippedSql(database.sql)).toEqual([SQL_FILE]);
    expect(await describeKeyTable(database.sql)).toEqual(before);
    expect(await database.sql`SELECT count(*)::int AS n FROM oncely_idempotency_keys`).toEqual([{ n: 1 }]);
  });

  it("refuses a status the engine does not know", async () => {
    await expect(
      database.sql`INSERT INTO oncely_idempotency_keys (principal_id, key, request_path, fingerprint, status, expires_at)
        VALUES ('user_1', 'bad', 'p', repeat('0', 64), 'done', now())`,
    ).rejects.toMatchObject({ code: "23514" });
  });

  it("creates the same table as the demo's drizzle-kit migration made from the same definition", async () => {
    const template = new URL(inject("oncelyPostgresUrl"));
    template.pathname = "/oncely_test_template"; // the demo database every demo test copies
    const demo = postgres(template.toString(), { max: 1, onnotice: () => {} });
    try {
      expect(await describeKeyTable(demo)).toEqual(await describeKeyTable(database.sql));
    } finally {
      await demo.end({ timeout: 5 });
    }
  });
});
