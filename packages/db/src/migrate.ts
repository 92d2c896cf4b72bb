import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { DbError } from "./errors";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../migrations", import.meta.url));

// Any fixed 64-bit number: every Oncely process that migrates takes this lock first, so N
// servers starting at once apply each migration exactly once.
const MIGRATION_LOCK_ID = 7_042_190_331n;

/** Applies the drizzle-kit migrations that are not applied yet. Running it twice is a no-op. */
export async function migrateDatabase(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_ID.toString()}::bigint)`;
    await migrate(drizzle(sql), { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (cause) {
    throw new DbError("MIGRATION_FAILED", `Migrating the database failed: ${String(cause)}`, {
      cause,
    });
  } finally {
    // Closing the only connection releases the advisory lock too.
    await sql.end({ timeout: 5 });
  }
}
