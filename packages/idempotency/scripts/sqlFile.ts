import { generateDrizzleJson, generateMigration } from "drizzle-kit/api";
import * as schema from "../src/schema";

/** The one SQL file the package ships today; later changes get files of their own (0001_…). */
export const SQL_FILE = "0000_oncely_idempotency_keys.sql";

/**
 * drizzle-kit's statements for the key table, turned into ones that can run on a database
 * that already has it: CREATE TABLE/INDEX IF NOT EXISTS (the table's constraints are inline).
 */
export async function renderSqlFile(): Promise<string> {
  const statements = await generateMigration(generateDrizzleJson({}), generateDrizzleJson({ ...schema }));
  const idempotent = statements.map((statement) => {
    const made = statement
      .replace(/^CREATE TABLE "/, 'CREATE TABLE IF NOT EXISTS "')
      .replace(/^CREATE INDEX "/, 'CREATE INDEX IF NOT EXISTS "');
    if (made === statement) throw new Error(`No IF NOT EXISTS form for: ${statement.slice(0, 80)}`);
    return `${made.trim().replace(/;$/, "")};`;
  });
  return [
    "-- @oncely/idempotency: the key table. Generated from src/schema.ts by `pnpm generate:sql`; do not edit.",
    "-- Apply the files of this folder in file-name order; applying one twice changes nothing.",
    "",
    ...idempotent,
    "",
  ].join("\n");
}
